import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { built, spawnTmesc } from './built.js';

const TMP = mkdtempSync(join(tmpdir(), 'tmesc-validate-lint-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

const POLICY = [
  'policy "lint"',
  'define ports SPARE = 8080',
  'define ports OLD = 8081  # tmesc-ignore TMES0500: kept for the lab policy',
  'tap t { source pcap "in.pcap" }',
  'group g { tool o { output pcap "o.pcap" } }',
  'rule r from t match tcp or udp and port 53 to g',
  '',
].join('\n');

let n = 0;
function project(files: Record<string, string>): string {
  const dir = join(TMP, `p${n++}`);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

describe.skipIf(!built)('validate with a lint configuration, suppressions, a baseline, --fail-level and --fix', () => {
  it('finds the configuration up the tree; --config names another; --no-config uses none', () => {
    const dir = project({
      '.tmesc.json': JSON.stringify({ rules: { 'unused-definition': 'off', TMES0310: 'error' } }),
      'policies/east/p.tmes': POLICY,
      'strict.json': JSON.stringify({ rules: { TMES0310: 'off' } }),
    });
    const found = spawnTmesc(['validate', '--format', 'json', 'policies/east/p.tmes'], { cwd: dir });
    const j = JSON.parse(found.out);
    expect(found.code).toBe(1);
    // TMES0500 off (so OLD's suppression silences nothing), TMES0310 raised to error
    expect(j.diagnostics.map((d: { code: string; severity: string }) => `${d.code} ${d.severity}`)).toEqual([
      'TMES0952 warning',
      'TMES0310 error',
    ]);
    const other = spawnTmesc(['validate', '--format', 'json', '--config', 'strict.json', 'policies/east/p.tmes'], {
      cwd: dir,
    });
    expect(JSON.parse(other.out).diagnostics.map((d: { code: string }) => d.code)).toEqual(['TMES0500']);
    expect(other.code).toBe(0);
    const none = spawnTmesc(['validate', '--format', 'json', '--no-config', 'policies/east/p.tmes'], { cwd: dir });
    expect(JSON.parse(none.out).diagnostics.map((d: { code: string }) => d.code)).toEqual(['TMES0500', 'TMES0310']);
  });

  it('a configuration that is not valid: each problem at its place (SARIF too), nothing validated, exit 2', () => {
    const dir = project({
      '.tmesc.json': '{\n  "rules": { "TMES0200": "off", "unused-defintion": "off" }\n}\n',
      'p.tmes': POLICY,
    });
    const r = spawnTmesc(['validate', 'p.tmes'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.out).toContain('.tmesc.json:2:14: error TMES0950: $.rules.TMES0200: TMES0200 (unknown-name) is an error');
    expect(r.out).toContain("did you mean 'unused-definition'?");
    expect(r.err).toContain('nothing was validated');
    const sarif = JSON.parse(spawnTmesc(['validate', '--format', 'sarif', 'p.tmes'], { cwd: dir }).out);
    const loc = sarif.runs[0].results[0].locations[0].physicalLocation;
    expect(loc.artifactLocation.uri).toBe('.tmesc.json');
    expect(loc.region.startLine).toBe(2);
  });

  it('--fail-level: warnings fail at warning, pass at error; the configuration may set it', () => {
    const dir = project({ 'p.tmes': POLICY });
    expect(spawnTmesc(['validate', 'p.tmes'], { cwd: dir }).code).toBe(0);
    expect(spawnTmesc(['validate', '--fail-level', 'warning', 'p.tmes'], { cwd: dir }).code).toBe(1);
    writeFileSync(join(dir, '.tmesc.json'), JSON.stringify({ failLevel: 'warning' }));
    expect(spawnTmesc(['validate', 'p.tmes'], { cwd: dir }).code).toBe(1);
    expect(spawnTmesc(['validate', '--fail-level', 'error', 'p.tmes'], { cwd: dir }).code).toBe(0);
  });

  it('--write-baseline, then --baseline: known findings left out, through line moves and fmt; an edit is new and its entry stale', () => {
    const dir = project({ 'p.tmes': POLICY });
    const w = spawnTmesc(['validate', '--write-baseline', 'tmesc-baseline.json', 'p.tmes'], { cwd: dir });
    expect(w.code).toBe(0);
    expect(w.err).toContain('wrote 2 findings to tmesc-baseline.json');
    const b = JSON.parse(readFileSync(join(dir, 'tmesc-baseline.json'), 'utf8'));
    expect(b.$schema).toBe('https://tmesc.dev/schemas/baseline-1.json');
    const check = () =>
      spawnTmesc(['validate', '--fail-level', 'warning', '--baseline', 'tmesc-baseline.json', 'p.tmes'], { cwd: dir });
    expect(check()).toMatchObject({ code: 0, out: 'no problems in 1 file\n' });
    writeFileSync(join(dir, 'p.tmes'), '# moved down\n\n' + POLICY);
    expect(spawnTmesc(['fmt', 'p.tmes'], { cwd: dir }).code).toBe(0);
    expect(check().code).toBe(0);
    writeFileSync(join(dir, 'p.tmes'), POLICY.replace('SPARE = 8080', 'SPARE = 8082'));
    const edited = check();
    expect(edited.code).toBe(1);
    expect(edited.out).toContain("p.tmes:2:14: warning TMES0500: 'SPARE' is defined but never used");
    expect(edited.out).toMatch(
      /tmesc-baseline\.json:\d+:\d+: warning TMES0953: \$\.findings\[\d\]: TMES0500 in p\.tmes at 'SPARE'/,
    );
  });

  it('tmesc fmt breaking long rules keeps their suppressions and baseline entries (they speak for statements)', () => {
    const long = (name: string, port: number) =>
      `rule ${name} from t match (tcp and port ${port} and host 10.1.1.1 and host 10.2.2.2) or (tcp and port ${port + 1} and net 192.168.0.0/16 and not host 192.168.1.1) to g`;
    const dir = project({
      'p.tmes': [
        'policy "long"',
        'tap t { source pcap "in.pcap" }',
        'group g { tool o { output pcap "o.pcap" } }',
        'rule all from t match tcp to g',
        `${long('kept', 80)}  # tmesc-ignore redundant-rule: kept for the audit trail`,
        long('known', 8080),
        '',
      ].join('\n'),
    });
    const check = (...args: string[]) =>
      spawnTmesc(['validate', '--fail-level', 'warning', ...args, 'p.tmes'], { cwd: dir });
    expect(spawnTmesc(['validate', '--write-baseline', 'b.json', 'p.tmes'], { cwd: dir }).err).toContain(
      'wrote 1 finding',
    );
    expect(check('--baseline', 'b.json')).toMatchObject({ code: 0, out: 'no problems in 1 file\n' });
    expect(spawnTmesc(['fmt', 'p.tmes'], { cwd: dir }).out).toBe('p.tmes\n');
    const formatted = readFileSync(join(dir, 'p.tmes'), 'utf8');
    expect(formatted).toContain('  to g  # tmesc-ignore redundant-rule: kept for the audit trail\n');
    expect(formatted.split('\n').length).toBeGreaterThan(12);
    expect(check('--baseline', 'b.json')).toMatchObject({ code: 0, out: 'no problems in 1 file\n' });
    // --fix keeps the suppression, which is in use
    expect(spawnTmesc(['validate', '--fix', 'p.tmes'], { cwd: dir }).err).toContain('nothing to fix');
    // an edit of the known rule makes its entry stale and its finding new
    writeFileSync(join(dir, 'p.tmes'), formatted.replace('port 8081', 'port 8082'));
    const edited = check('--baseline', 'b.json');
    expect(edited.code).toBe(1);
    expect(edited.out).toContain("warning TMES0701: rule 'known' adds nothing");
    expect(edited.out).toContain('TMES0953');
  });

  it("a library's finding is reported, counted and baselined once however many policies validated together include it", () => {
    const policy = (n: string) =>
      `policy "${n}"\ninclude "lib/l.tmes"\ntap t { source pcap "in.pcap" }\ngroup g { tool o { output pcap "${n}.pcap" } }\nrule r from t match F to g\n`;
    const dir = project({
      'lib/l.tmes': 'define filter F = tcp or udp and port 53\n',
      'a.tmes': policy('a'),
      'b.tmes': policy('b'),
    });
    const both = spawnTmesc(['validate', '--format', 'json', 'a.tmes', 'b.tmes'], { cwd: dir });
    expect(JSON.parse(both.out).diagnostics.map((d: { code: string; file: string }) => `${d.code} ${d.file}`)).toEqual([
      'TMES0310 lib/l.tmes',
    ]);
    expect(JSON.parse(both.out).warningCount).toBe(1);
    spawnTmesc(['validate', '--write-baseline', 'b.json', 'a.tmes', 'b.tmes'], { cwd: dir });
    expect(
      JSON.parse(readFileSync(join(dir, 'b.json'), 'utf8')).findings.map((f: { count: number }) => f.count),
    ).toEqual([1]);
    // one policy alone with that baseline: known, nothing stale
    const alone = spawnTmesc(['validate', '--fail-level', 'info', '--baseline', 'b.json', 'b.tmes'], { cwd: dir });
    expect(alone).toMatchObject({ code: 0, out: 'no problems in 1 file\n' });
  });

  it('--fix applies the safe fixes, reports them, validates again; a second run has nothing to fix', () => {
    const dir = project({
      'p.tmes': POLICY.replace(
        'rule r from t match tcp or udp and port 53 to g',
        'rule r from t match tcp to g  # tmesc-ignore TMES0310: old\nrule u from t match payload contains "abc to g',
      ),
    });
    const before = readFileSync(join(dir, 'p.tmes'), 'utf8');
    const r = spawnTmesc(['validate', '--fix', 'p.tmes'], { cwd: dir });
    expect(r.err).toContain('tmesc: fixed 2 problems in p.tmes');
    const after = readFileSync(join(dir, 'p.tmes'), 'utf8');
    expect(after).toBe(before.replace('  # tmesc-ignore TMES0310: old', '').replace('"abc to g', '"abc to g"'));
    // the string closed at the end of its line now holds 'abc to g': the rule has no action, which no fix guesses
    expect(r.code).toBe(1);
    const again = spawnTmesc(['validate', '--fix', 'p.tmes'], { cwd: dir });
    expect(again.err).toContain('nothing to fix');
    expect(readFileSync(join(dir, 'p.tmes'), 'utf8')).toBe(after);
  });

  it('--unsafe-fixes also applies guesses (the closest name), and is refused without --fix', () => {
    const dir = project({ 'p.tmes': POLICY.replace('to g', 'to gg') });
    const safe = spawnTmesc(['validate', '--fix', 'p.tmes'], { cwd: dir });
    expect(safe.code).toBe(1);
    expect(readFileSync(join(dir, 'p.tmes'), 'utf8')).toContain('to gg');
    const unsafe = spawnTmesc(['validate', '--fix', '--unsafe-fixes', 'p.tmes'], { cwd: dir });
    expect(unsafe.err).toContain('fixed 1 problem in p.tmes');
    expect(unsafe.code).toBe(0);
    expect(readFileSync(join(dir, 'p.tmes'), 'utf8')).toBe(POLICY);
    expect(spawnTmesc(['validate', '--unsafe-fixes', 'p.tmes'], { cwd: dir }).code).toBe(2);
  });

  it('the fixtures with a configuration or baseline beside them report as the fixture test says, exit 2', () => {
    const fixtures = join(import.meta.dirname, '..', 'check', 'fixtures');
    for (const f of readdirSync(fixtures).filter((f) => /^TMES095[035]-.*\.tmes$/.test(f))) {
      const text = readFileSync(join(fixtures, f), 'utf8');
      const expected = [...text.matchAll(/^# expect: (TMES\d{4}) (\S+):(\d+):(\d+)$/gm)].map(
        (m) => `${m[2]}:${m[3]}:${m[4]}: ${m[1]}`,
      );
      const side = readdirSync(fixtures).find((s) => s.startsWith(f.slice(0, -5) + '.') && s.endsWith('.json'))!;
      const option = side.endsWith('.config.json') ? '--config' : '--baseline';
      const r = spawnTmesc(['validate', '--format', 'json', option, side, f], { cwd: fixtures });
      const got = JSON.parse(r.out).diagnostics.map(
        (d: { file: string; line: number; column: number; code: string }) =>
          `${d.file}:${d.line}:${d.column}: ${d.code}`,
      );
      expect(got, f).toEqual(expected);
      expect(r.code, f).toBe(f.startsWith('TMES0953') ? 0 : 2);
    }
  });

  it('the bundled examples validate clean with the repository as it is', () => {
    const dir = join(TMP, 'rules');
    cpSync(join(import.meta.dirname, '..', '..', 'rules'), dir, { recursive: true });
    const r = spawnTmesc(['validate', '--format', 'json', 'examples/datacenter.tmes', 'examples/quickstart.tmes'], {
      cwd: dir,
    });
    // but the notes of the actions this version's run does not perform yet (TMES0900)
    const ds = JSON.parse(r.out).diagnostics as { code: string; message: string }[];
    expect(ds.filter((d) => d.code !== 'TMES0900')).toEqual([]);
    expect(r.code).toBe(0);
  });
});
