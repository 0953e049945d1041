import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, chmodSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { built, spawnTmesc } from './built.js';

const TMP = mkdtempSync(join(tmpdir(), 'tmesc-fmt-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

const MESSY =
  'policy "p";tap t{source pcap "a.pcap"}   # the tap\ngroup g{tool o{output pcap "o.pcap"}}\nrule r from t match tcp to g\n';
const TIDY =
  'policy "p"\ntap t { source pcap "a.pcap" }  # the tap\ngroup g {\n  tool o { output pcap "o.pcap" }\n}\nrule r from t match tcp to g\n';

describe.skipIf(!built)('tmesc fmt (built CLI)', () => {
  it('--check lists the files that would change, exits 1 and changes nothing', () => {
    const dir = join(TMP, 'check');
    mkdirSync(join(dir, 'sub'), { recursive: true });
    writeFileSync(join(dir, 'a.tmes'), MESSY);
    writeFileSync(join(dir, 'sub', 'b.tmes'), TIDY);
    const r = spawnTmesc(['fmt', '--check', '.'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.out).toBe('a.tmes\n');
    expect(readFileSync(join(dir, 'a.tmes'), 'utf8')).toBe(MESSY);
    const clean = spawnTmesc(['fmt', '--check', 'sub/b.tmes'], { cwd: dir });
    expect(clean).toMatchObject({ code: 0, out: '' });
  });

  it('--diff shows the change as a unified diff that git apply takes, exits 1, and changes nothing', () => {
    const dir = join(TMP, 'diff');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'a.tmes'), MESSY);
    writeFileSync(join(dir, 'b.tmes'), TIDY);
    const r = spawnTmesc(['fmt', '--diff', 'a.tmes', 'b.tmes'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.out.split('\n').slice(0, 3)).toEqual(['--- a/a.tmes', '+++ b/a.tmes', '@@ -1,3 +1,6 @@']);
    expect(r.out).toContain('\n-policy "p";tap t{source pcap "a.pcap"}   # the tap\n');
    expect(r.out).toContain('\n+policy "p"\n+tap t { source pcap "a.pcap" }  # the tap\n');
    expect(r.out).not.toContain('b.tmes');
    expect(readFileSync(join(dir, 'a.tmes'), 'utf8')).toBe(MESSY);
    writeFileSync(join(dir, 'a.patch'), r.out);
    const apply = spawnSync('git', ['apply', 'a.patch'], { cwd: dir, encoding: 'utf8' });
    if (apply.error) return; // no git here: the diff's text was checked above
    expect(apply.status, apply.stderr).toBe(0);
    expect(readFileSync(join(dir, 'a.tmes'), 'utf8')).toBe(TIDY);
    expect(spawnTmesc(['fmt', '--diff', 'a.tmes'], { cwd: dir })).toMatchObject({ code: 0, out: '' });
  });

  it('a file name with control characters is shown with stand-ins', () => {
    const dir = join(TMP, 'hostile');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'a\u001b[2Jb.tmes'), MESSY);
    expect(spawnTmesc(['fmt', '--check', '.'], { cwd: dir }).out).toBe('a\u241b[2Jb.tmes\n');
  });

  it('rewrites files in place (keeping their permissions), names them, and is idempotent', () => {
    const dir = join(TMP, 'write');
    mkdirSync(dir, { recursive: true });
    const f = join(dir, 'a.tmes');
    writeFileSync(f, MESSY);
    chmodSync(f, 0o640);
    const r = spawnTmesc(['fmt', 'a.tmes'], { cwd: dir });
    expect(r).toMatchObject({ code: 0, out: 'a.tmes\n' });
    expect(readFileSync(f, 'utf8')).toBe(TIDY);
    expect(statSync(f).mode & 0o777).toBe(0o640);
    expect(spawnTmesc(['fmt', 'a.tmes'], { cwd: dir })).toMatchObject({ code: 0, out: '' });
  });

  it('- formats standard input to standard output', () => {
    expect(spawnTmesc(['fmt', '-'], { cwd: TMP, input: MESSY })).toMatchObject({ code: 0, out: TIDY });
    expect(spawnTmesc(['fmt', '--check', '-'], { cwd: TMP, input: MESSY })).toMatchObject({
      code: 1,
      out: '<stdin>\n',
    });
  });

  it('leaves a file with syntax errors alone: the errors, exit 2', () => {
    const dir = join(TMP, 'bad');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'bad.tmes'), 'rule r match tcp $ to g\n');
    const r = spawnTmesc(['fmt', 'bad.tmes', 'missing.tmes'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.err).toContain('bad.tmes:1:18: error TMES0001');
    expect(r.err).toContain('bad.tmes has syntax errors; it is not formatted');
    expect(r.err).toContain('missing.tmes');
    expect(readFileSync(join(dir, 'bad.tmes'), 'utf8')).toBe('rule r match tcp $ to g\n');
  });
});
