#!/usr/bin/env node
// The CLI is built into dist/bundle/ (by `npm ci` through the prepare script):
// one bundle starts faster than tsc's many modules (see scripts/bundle.mjs).
// `tmesc run` first tries the run-path script, which starts faster still (bin/run-path.js).
let code;
if (process.argv[2] === 'run') {
  const { runFromRunPath } = await import('./run-path.js');
  code = await runFromRunPath(process.argv);
}
if (code === undefined) {
  const { main } = await import('../dist/bundle/main.js');
  code = await main(process.argv);
}
process.exitCode = code;
