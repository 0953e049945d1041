// Bundles the CLI into dist/bundle/ (one module per command, loaded lazily).
// Why: Node 20's ESM loader resolves, reads and compiles each of tmesc's ~150
// modules on every start; one bundle starts `tmesc run` ~120 ms sooner
// (229 ms against 348 ms, min of 8, .scratch timing in the issue notes).
// dist/ (tsc's output) stays: tests and library users import it.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { build } from 'esbuild';
// tsc has built dist/ by now (npm run build)
import { BUNDLE_ID_FILE, bundleId } from '../dist/cli/build-identity.js';

// chunk names carry content hashes: start empty so old chunks do not pile up
rmSync('dist/bundle', { recursive: true, force: true });

const result = await build({
  // the worker thread's script sits beside the chunks: they find it as new URL('./worker.js', import.meta.url)
  entryPoints: {
    main: 'dist/cli/main.js',
    worker: 'dist/runtime/parallel/worker.js',
    // live runs: the per-core workers
    'live-worker': 'dist/runtime/live/live-worker.js',
    // live runs: the processes that own the libpcap handles (the only code that loads cap)
    'port-process': 'dist/runtime/live/port-process.js',
  },
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // loaded through its own one-file build (src/syntax/chevrotain.ts), which a bundler cannot follow
  // cap: an optional native addon, loaded (in port processes only) from where npm installed it
  external: ['chevrotain', 'cap'],
  // its UMD main require()s its parts through a factory esbuild cannot follow; its ES build bundles
  alias: { 'jsonc-parser': './node_modules/jsonc-parser/lib/esm/main.js' },
  // commander and ajv are CommonJS: give them a require inside the ES module
  banner: {
    js: "import { createRequire as __tmescRequire } from 'node:module'; const require = __tmescRequire(import.meta.url);",
  },
  logLevel: 'warning',
  // which source modules each chunk holds: the lazy-loading test (test/cli/lazy-load.test.ts) reads it
  metafile: true,
});
// beside the bundle, not in it, so the bundle id below hashes the code alone
writeFileSync('dist/bundle.meta.json', JSON.stringify(result.metafile.outputs));

// `tmesc run` starts from one script, not ~40 ES modules: bin/run-path.js compiles it with V8's code
// cache, which Node 20 offers for scripts only (vm.Script cachedData; no module.enableCompileCache).
// It holds the CLI up to a run of a cached policy (src/cli/run-bundle.ts); every other module that is
// loaded on demand becomes a stand-in that sends the run to the ES module bundle above.
const RUN_PATH_KEEPS = new Set(['dist/cli/run.js', 'dist/cli/policy-cache.js', 'dist/artifact/validate.js']);
const RUN_ENTRY = resolve('dist/cli/run-bundle.js');
const runPath = await build({
  entryPoints: [RUN_ENTRY],
  outfile: 'dist/bundle/run-path.js',
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  // cap: live runs only, and those leave through a stand-in; chevrotain is not listed: the compiler is
  // left out, and the build fails (top-level await) if the run path ever imports the parser statically
  external: ['cap'],
  alias: { 'jsonc-parser': './node_modules/jsonc-parser/lib/esm/main.js' },
  // a function, not a module: bin/run-path.js calls it with these. The file sits among the chunks, so
  // paths found from import.meta.url (package.json, bundle-id.txt, worker.js) are the same files.
  define: { 'import.meta.url': '__tmescUrl' },
  banner: { js: '(function (require, module, exports, __tmescUrl) {' },
  footer: { js: '})' },
  plugins: [
    {
      // commander requires child_process when it loads, for executable subcommands (tmesc has none); with
      // it come net, dgram and their bindings, about 2 ms of a start (docs/design/measurements.md, "startup,
      // session 6"). The run path gets it on first use instead.
      name: 'run-path-lazy-child-process',
      setup(b) {
        b.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
          /[\\/]node_modules[\\/]commander[\\/]/.test(args.importer)
            ? { path: 'node:child_process', namespace: 'lazy-builtin' }
            : undefined,
        );
        b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => ({
          contents: `let m;\nmodule.exports = new Proxy({}, { get: (_, k) => (m ??= require(${JSON.stringify(args.path)}))[k] });\n`,
          loader: 'js',
        }));
      },
    },
    {
      // src/patterns/parse.ts loads regexpp on first use through createRequire, which esbuild cannot follow:
      // from the run path (a policy with `mask credentials` or a pattern compiles it at every run) that was
      // node resolving the package's exports, reading and compiling its 130 KB outside the code cache, ~33 M
      // instructions of such a run (docs/design/measurements.md, "fixed costs, session 10"). A plain require() here makes it
      // one of the script's lazy modules: still run only on first use, its code in the cache with the rest.
      name: 'run-path-bundled-regexpp',
      setup(b) {
        const lazyRequire = "createRequire(import.meta.url)('@eslint-community/regexpp')";
        b.onLoad({ filter: /[\\/]dist[\\/]patterns[\\/]parse\.js$/ }, (args) => {
          const text = readFileSync(args.path, 'utf8');
          if (!text.includes(lazyRequire))
            throw new Error(`${args.path}: no ${lazyRequire} to bundle (scripts/bundle.mjs, run-path-bundled-regexpp)`);
          return { contents: text.replace(lazyRequire, "require('@eslint-community/regexpp')"), loader: 'js' };
        });
      },
    },
    {
      name: 'run-path-stand-ins',
      setup(b) {
        b.onResolve({ filter: /.*/ }, (args) => {
          if (args.kind !== 'dynamic-import') return undefined;
          const target = relative(process.cwd(), resolve(args.resolveDir, args.path)).split(sep).join('/');
          return RUN_PATH_KEEPS.has(target) ? undefined : { path: target, namespace: 'stand-in' };
        });
        b.onLoad({ filter: /.*/, namespace: 'stand-in' }, () => ({
          contents: `import { fullCliNeeded } from ${JSON.stringify(RUN_ENTRY)};\nfullCliNeeded();\n`,
          resolveDir: process.cwd(),
        }));
      },
    },
  ],
  logLevel: 'warning',
  metafile: true,
});
// which sources the run path holds: the lazy-loading test checks that the compiler is not among them
writeFileSync('dist/run-path.meta.json', JSON.stringify(runPath.metafile.inputs));

// What `tmesc run`'s policy cache checks its entries against: a hash of every
// file just written, so that any change to the code invalidates them (src/cli/build-identity.ts).
writeFileSync(join('dist/bundle', BUNDLE_ID_FILE), bundleId('dist/bundle') + '\n');
