#!/usr/bin/env node
// The CLI is built into dist/bundle/ (by `npm ci` through the prepare script):
// one bundle starts faster than tsc's many modules (see scripts/bundle.mjs).
// `tmesc run` first tries the run-path script, which starts faster still (bin/run-path.js).
// This file and run-path.js are CommonJS (bin/package.json): an ES module entry would start Node's
// ES module loader (its modules, and reads of each file on the thread pool) before the run path's
// first line, and a cached run needs none of it; the other commands load the ES module bundle as before.
'use strict';

// libuv's thread pool does the capture files' reads and writes (1 MiB each). On a 2-core machine its default four
// threads compete with the main thread for the cores: two ran the one-filter pass ~6% faster (and one ~8% slower;
// docs/design/measurements.md, "End of session 8"). Set before anything uses the pool; a user's own setting wins.
if (process.env.UV_THREADPOOL_SIZE === undefined && require('node:os').availableParallelism() <= 2)
  process.env.UV_THREADPOOL_SIZE = '2';

async function start() {
  let code;
  if (process.argv[2] === 'run') code = await require('./run-path.js').runFromRunPath(process.argv);
  if (code === undefined) {
    const { main } = await import('../dist/bundle/main.js');
    code = await main(process.argv);
  }
  process.exitCode = code;
}

start();
