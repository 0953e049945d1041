#!/usr/bin/env node
// The CLI is built into dist/bundle/ (by `npm ci` through the prepare script):
// one bundle starts faster than tsc's many modules (see scripts/bundle.mjs).
// `tmesc run` first tries the run-path script, which starts faster still (bin/run-path.js).
// This file and run-path.js are CommonJS (bin/package.json): an ES module entry would start Node's
// ES module loader (its modules, and reads of each file on the thread pool) before the run path's
// first line, and a cached run needs none of it; the other commands load the ES module bundle as before.
'use strict';

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
