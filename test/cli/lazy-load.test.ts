import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { built, ROOT, spawnTmesc } from './built.js';

// Each command loads its own modules when it runs (src/cli/main.ts): `run`, `validate` and `--help`
// must not pay for the traffic generator, and `run --artifact` (the deploy path) not for the
// parser and the compiler. A loader hook logs every module the built CLI loads, and the bundle's
// metafile (dist/bundle.meta.json, written by scripts/bundle.mjs) says which sources each holds.

const META = join(ROOT, 'dist', 'bundle.meta.json');
const haveMeta = built && existsSync(META);
const TMP = mkdtempSync(join(tmpdir(), 'tmesc-lazy-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

const GENERATOR = /^dist\/gen\//;
// the language server and what only editors need: its protocol library, the formatter, the lint pipeline's JSON reading
const EDITOR = /^dist\/cli\/(lsp|format)\/|vscode-languageserver|vscode-jsonrpc/;
const VALIDATOR = /^dist\/artifact\/(validate|schema-validator\.generated)\.js$/;
const COMPILER = /^dist\/(syntax|check)\/|^dist\/ir\/(compile|build|idd|passes|analysis)\.js$|chevrotain/;

/** Every URL a `tmesc ARGS` process loaded as a module. */
function urlsLoaded(args: string[], opts: { cacheDir?: string; env?: Record<string, string> } = {}): string[] {
  const log = join(mkdtempSync(join(TMP, 'log-')), 'loaded.log');
  const r = spawnTmesc(args, { loadLog: log, cacheDir: opts.cacheDir, env: opts.env });
  expect(r.code, r.err).toBe(0);
  return readFileSync(log, 'utf8').split('\n').filter(Boolean);
}

/**
 * The source modules a `tmesc ARGS` process loaded (through the bundle's chunks), and chevrotain if it did.
 * `run` goes through the ES module bundle here, not the run path (bin/run-path.js: one script, which the
 * loader hook cannot see into): that bundle is what every run the run path leaves out (a miss) loads.
 */
function sourcesLoaded(args: string[], opts: { cacheDir?: string } = {}): string[] {
  const log = join(mkdtempSync(join(TMP, 'log-')), 'loaded.log');
  const r = spawnTmesc(args, { loadLog: log, cacheDir: opts.cacheDir, env: { TMESC_RUN_PATH: '0' } });
  expect(r.code, r.err).toBe(0);
  const meta = JSON.parse(readFileSync(META, 'utf8')) as Record<string, { inputs: Record<string, unknown> }>;
  const out = new Set<string>();
  for (const url of readFileSync(log, 'utf8').split('\n').filter(Boolean)) {
    if (!url.startsWith('file:')) continue;
    const path = fileURLToPath(url);
    if (/chevrotain/.test(path)) out.add(`chevrotain:${basename(path)}`);
    const chunk = meta[`dist/bundle/${basename(path)}`];
    if (path.includes(join('dist', 'bundle')) && chunk) for (const i of Object.keys(chunk.inputs)) out.add(i);
  }
  return [...out];
}

describe.skipIf(!haveMeta)('lazy loading in the built CLI', () => {
  if (!haveMeta) console.warn('skipped: dist/bundle.meta.json is missing; `npm test` builds it (npm run build)');
  const policy = join(TMP, 'p.tmes');
  writeFileSync(
    policy,
    `policy "lazy"\ntap s { source pcap "${join(ROOT, 'samples', 'sample.pcap')}" }\ngroup g { tool w { output pcap "out/w.pcap" } }\nrule web from s match tcp port 80 to g\n`,
  );

  it('the hook and the metafile see what they should: gen loads the generator', () => {
    const loaded = sourcesLoaded(['gen', '-o', join(TMP, 'g.pcap'), '-n', '10']);
    expect(loaded.filter((s) => GENERATOR.test(s)).length).toBeGreaterThan(5);
  });

  it('--help, validate and run load no generator code', () => {
    const cache = mkdtempSync(join(TMP, 'cache-'));
    const runArgs = ['run', policy, '--out-dir', join(TMP, 'out'), '--no-progress'];
    for (const args of [['--help'], ['run', '--help'], ['validate', policy], runArgs, runArgs]) {
      const loaded = sourcesLoaded(args, { cacheDir: cache });
      expect(loaded.length, args.join(' ')).toBeGreaterThan(0);
      expect(
        loaded.filter((s) => GENERATOR.test(s)),
        args.join(' '),
      ).toEqual([]);
    }
  });

  it('run --artifact loads neither the generator nor the parser and compiler', () => {
    const art = join(TMP, 'p.json');
    expect(spawnTmesc(['compile', policy, '-o', art]).code).toBe(0);
    const loaded = sourcesLoaded(['run', '--artifact', art, '--out-dir', join(TMP, 'out2'), '--no-progress']);
    expect(loaded.some((s) => /^dist\/runtime\//.test(s))).toBe(true);
    expect(loaded.filter((s) => GENERATOR.test(s) || COMPILER.test(s))).toEqual([]);
    // an artifact from elsewhere is checked: the schema validator loads
    expect(loaded.filter((s) => VALIDATOR.test(s))).toHaveLength(2);
  });

  it('a cache hit loads neither the compiler nor the schema validator: it runs what this build compiled', () => {
    const cache = mkdtempSync(join(TMP, 'cache-'));
    const runArgs = ['run', policy, '--out-dir', join(TMP, 'out4'), '--no-progress'];
    const miss = sourcesLoaded(runArgs, { cacheDir: cache });
    const hit = sourcesLoaded(runArgs, { cacheDir: cache });
    expect(miss.filter((s) => COMPILER.test(s)).length).toBeGreaterThan(5);
    expect(hit.some((s) => /^dist\/runtime\//.test(s))).toBe(true);
    // what the cache's checks read: the policy files' reader (their hashes) and where chevrotain's build is (the build identity)
    const CACHE_CHECKS = ['dist/check/read-policy-file.js', 'dist/syntax/chevrotain-files.js'];
    expect(hit.filter((s) => (COMPILER.test(s) && !CACHE_CHECKS.includes(s)) || VALIDATOR.test(s))).toEqual([]);
  });

  it('the run path holds no parser, compiler, generator or editor code: a hit runs from it alone, a miss goes on in the ES module bundle', () => {
    const runPath = Object.keys(
      JSON.parse(readFileSync(join(ROOT, 'dist', 'run-path.meta.json'), 'utf8')) as Record<string, unknown>,
    );
    expect(runPath.some((s) => /^dist\/runtime\//.test(s))).toBe(true);
    const CACHE_CHECKS = ['dist/check/read-policy-file.js', 'dist/syntax/chevrotain-files.js'];
    expect(
      runPath.filter((s) => (COMPILER.test(s) && !CACHE_CHECKS.includes(s)) || GENERATOR.test(s) || EDITOR.test(s)),
    ).toEqual([]);
    // the compiler is reached through a stand-in, which sends the run to the full CLI
    expect(runPath).toContain('stand-in:dist/ir/compile.js');
    const cache = mkdtempSync(join(TMP, 'cache-'));
    const runArgs = ['run', policy, '--out-dir', join(TMP, 'out5'), '--no-progress'];
    const bundleChunk = (u: string) => u.includes('/dist/bundle/');
    // bin/ is CommonJS: the hook sees the entry, not what it requires (bin/run-path.js and the run path's script)
    const miss = urlsLoaded(runArgs, { cacheDir: cache });
    expect(miss.some((u) => u.endsWith('/bin/tmesc.js'))).toBe(true);
    expect(miss.filter(bundleChunk).length).toBeGreaterThan(5);
    const hit = urlsLoaded(runArgs, { cacheDir: cache });
    expect(hit.some((u) => u.endsWith('/bin/tmesc.js'))).toBe(true);
    expect(hit.filter(bundleChunk)).toEqual([]);
    // without the run path the same hit loads the ES module bundle: the empty list above is the run path's doing
    expect(
      urlsLoaded(runArgs, { cacheDir: cache, env: { TMESC_RUN_PATH: '0' } }).filter(bundleChunk).length,
    ).toBeGreaterThan(5);
  });

  it('a pattern run from the run path requires no regexpp from node_modules: the run-path script holds it', () => {
    // mask credentials compiles a pattern at every run; regexpp parses it (scripts/bundle.mjs, run-path-bundled-regexpp)
    const masked = join(TMP, 'masked.tmes');
    writeFileSync(
      masked,
      `policy "lazy-mask"\ntap s { source pcap "${join(ROOT, 'samples', 'sample.pcap')}" }\ngroup g { tool w { output pcap "out/w.pcap" } mask credentials }\nrule web from s match tcp port 80 to g\n`,
    );
    // CommonJS requires pass Module._load, which a preloaded script can watch (the ES module hook above does not see them)
    const dir = mkdtempSync(join(TMP, 'require-'));
    const hook = join(dir, 'hook.cjs');
    writeFileSync(
      hook,
      `const M = require('node:module'); const { appendFileSync } = require('node:fs'); const load = M._load;
M._load = function (request, ...rest) { appendFileSync(process.env.TMESC_TEST_REQUIRE_LOG, request + '\\n'); return load.call(this, request, ...rest); };
`,
    );
    const cache = mkdtempSync(join(TMP, 'cache-'));
    const required = (name: string, env: Record<string, string> = {}) => {
      const log = join(dir, name);
      writeFileSync(log, '');
      const r = spawnTmesc(['run', masked, '--out-dir', join(dir, name + '-out'), '--no-progress'], {
        cacheDir: cache,
        env: { NODE_OPTIONS: `--require ${hook}`, TMESC_TEST_REQUIRE_LOG: log, ...env },
      });
      expect(r.code, r.err).toBe(0);
      return readFileSync(log, 'utf8').split('\n').filter(Boolean);
    };
    const REGEXPP = '@eslint-community/regexpp';
    // a miss compiles the policy in the ES module bundle, which requires regexpp from node_modules: the hook sees it
    expect(required('miss')).toContain(REGEXPP);
    expect(required('hit-es-bundle', { TMESC_RUN_PATH: '0' })).toContain(REGEXPP);
    const hit = required('hit');
    expect(hit).toContain('./run-path.js');
    expect(hit).not.toContain(REGEXPP);
  });

  it('validate and run load no language server code (which the bundle holds, for lsp)', () => {
    const meta = JSON.parse(readFileSync(META, 'utf8')) as Record<string, { inputs: Record<string, unknown> }>;
    const inBundle = Object.values(meta).flatMap((c) => Object.keys(c.inputs));
    expect(inBundle.filter((s) => EDITOR.test(s)).length).toBeGreaterThan(10);
    const cache = mkdtempSync(join(TMP, 'cache-'));
    const runArgs = ['run', policy, '--out-dir', join(TMP, 'out3'), '--no-progress'];
    for (const args of [['validate', policy], runArgs, runArgs]) {
      const loaded = sourcesLoaded(args, { cacheDir: cache });
      expect(
        loaded.filter((s) => EDITOR.test(s)),
        args.join(' '),
      ).toEqual([]);
    }
  });
});
