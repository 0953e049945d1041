import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, built, ROOT } from './built.js';
import { runCli } from './helpers.js';

// `-` names standard input for validate, compile, explain, diff and run (policy or --artifact).

const TMP = mkdtempSync(join(tmpdir(), 'tmesc-stdin-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

const POLICY = `policy "from-stdin"
include "lib.tmes"
tap t { source pcap "sample.pcap" }
group g { tool w { output pcap "out/w.pcap" } }
rule web from t match tcp port WEB to g
`;
const LIB = 'define ports WEB = 80, 8080\n';
const CLEAN =
  'policy "p"\ntap t { source interface "eth0" }\ngroup g { tool w { output pcap "w.pcap" } }\nrule r from t match tcp to g\n';
const BROKEN = 'policy "b"\nrule r from nowhere match tcp to g\n';

describe('tmesc: - reads standard input', () => {
  it('validate - checks standard input and names it <stdin>', async () => {
    const ok = await runCli(['validate', '-'], ROOT, CLEAN);
    expect(ok.err).toBe('');
    expect(ok.out).toBe('no problems in 1 file\n');
    expect(ok.code).toBe(0);
    const bad = await runCli(['validate', '-'], ROOT, BROKEN);
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/^<stdin>:2:13: error TMES0200: unknown tap 'nowhere'/);
    expect(bad.out).toMatch(/2 errors in 1 file\n$/);
  });

  it('reads standard input once: - twice is a usage error', async () => {
    for (const args of [
      ['validate', '-', '-'],
      ['diff', '-', '-'],
    ]) {
      const r = await runCli(args, ROOT, BROKEN);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toMatch(/standard input \('-'\) can be read once/);
    }
  });

  it('compile -, explain - and diff - FILE read the policy from standard input', async () => {
    const policy = 'policy "p"\ntap t { source interface "eth0" }\ngroup g { tool w { output pcap "w.pcap" } }\n';
    const file = join(TMP, 'p.tmes');
    writeFileSync(file, policy + 'rule r from t match tcp port 80 to g\n');
    const c = await runCli(['compile', '-', '--emit', 'listing'], ROOT, policy + 'rule r from t match tcp to g\n');
    expect(c.code, c.err).toBe(0);
    expect(c.out).toMatch(/ipProto/);
    const e = await runCli(
      ['explain', '-', '--packet', 'tcp 10.0.0.1:1000 > 10.0.0.2:80'],
      ROOT,
      policy + 'rule r from t match tcp to g\n',
    );
    expect(e.code, e.err).toBe(0);
    expect(e.out).toMatch(/matching rules: r /);
    const d = await runCli(['diff', '-', file], ROOT, policy + 'rule r from t match tcp to g\n');
    expect(d.code, d.err).toBe(1);
    expect(d.out).toMatch(/change/);
  });

  it('a file that cannot be read is said on stdout too, in every format, and exits 2', async () => {
    const missing = join(TMP, 'missing.tmes');
    const clean = join(TMP, 'clean.tmes');
    writeFileSync(clean, CLEAN);
    const text = await runCli(['validate', clean, missing]);
    expect(text.code).toBe(2);
    expect(text.err).toContain('missing.tmes: no such file');
    expect(text.out).toBe('no problems in 1 file; 1 file could not be read\n');
    const json = JSON.parse((await runCli(['validate', '--format', 'json', clean, missing])).out);
    expect(json).toMatchObject({ valid: false, errorCount: 0, unreadable: [{ file: missing }] });
    const sarif = JSON.parse((await runCli(['validate', '--format', 'sarif', clean, missing])).out);
    expect(sarif.runs[0].invocations[0]).toMatchObject({
      executionSuccessful: false,
      toolExecutionNotifications: [{ level: 'error', message: { text: expect.stringContaining('missing.tmes') } }],
    });
    const gh = await runCli(['validate', '--format', 'github', clean, missing]);
    expect(gh.out).toMatch(/^::error title=tmesc::.*missing\.tmes: no such file\n$/m);
  });
});

describe.skipIf(!built)('the built CLI reads a pipe for -', () => {
  const tmesc = (args: string[], input: string, cwd: string) => {
    const r = spawnSync(process.execPath, [BIN, ...args], {
      input,
      cwd,
      encoding: 'utf8',
      env: { ...process.env, TMESC_CACHE_DIR: join(TMP, 'cache') },
    });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };

  it('run - runs a policy from standard input; includes and paths are taken from the working directory', () => {
    const dir = mkdtempSync(join(TMP, 'run-'));
    writeFileSync(join(dir, 'lib.tmes'), LIB);
    copyFileSync(join(ROOT, 'samples', 'sample.pcap'), join(dir, 'sample.pcap'));
    const r = tmesc(['run', '-', '--stats', 'json', '--no-progress'], POLICY, dir);
    expect(r.code, r.err).toBe(0);
    const stats = JSON.parse(r.out);
    expect(stats.rules[0].matches).toBeGreaterThan(0);
    expect(existsSync(join(dir, 'out', 'w.pcap'))).toBe(true);
    // never cached: standard input can be read once
    expect(existsSync(join(TMP, 'cache'))).toBe(false);
  });

  it('compile - | run --artifact - : the artifact from a pipe', () => {
    const dir = mkdtempSync(join(TMP, 'art-'));
    writeFileSync(join(dir, 'lib.tmes'), LIB);
    copyFileSync(join(ROOT, 'samples', 'sample.pcap'), join(dir, 'sample.pcap'));
    const c = tmesc(['compile', '-'], POLICY, dir);
    expect(c.code, c.err).toBe(0);
    const r = tmesc(['run', '--artifact', '-', '--stats', 'json', '--no-progress'], c.out, dir);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out).rules[0].matches).toBeGreaterThan(0);
    expect(readFileSync(join(dir, 'out', 'w.pcap')).length).toBeGreaterThan(24);
  });

  it('validate - from a pipe', () => {
    const r = tmesc(['validate', '-'], BROKEN, TMP);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^<stdin>:2:13: error TMES0200/);
  });
});
