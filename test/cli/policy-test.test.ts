import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { built, ROOT, spawnTmesc } from './built.js';

const TMP = mkdtempSync(join(tmpdir(), 'tmesc-test-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));
const DC = join(ROOT, 'rules', 'examples', 'datacenter.tmes');

function tests(name: string, body: unknown): string {
  const p = join(TMP, name);
  writeFileSync(p, JSON.stringify(body, null, 2));
  return p;
}

const FAILING = {
  $schema: 'https://tmesc.dev/schemas/tests-1.json',
  tests: [
    {
      name: 'web reaches the IDS',
      packet: 'tap core-a tcp 198.51.100.7:51000 > 10.1.2.3:443 flags syn',
      reaches: ['ids'],
    },
    {
      name: 'web <from> outside goes to "dlp" & not the recorder',
      packet: 'tap core-a tcp 198.51.100.7:51000 > 10.1.2.3:443',
      reaches: ['dlp'],
      doesNotReach: ['recorder'],
    },
    {
      name: 'rsync is dropped from the recorder',
      packet: 'tap core-b tcp 10.0.0.1:40000 > 10.0.0.2:873',
      reachesOnly: [],
    },
  ],
};

describe.skipIf(!built)('tmesc test', () => {
  it('the bundled example tests pass (exit 0)', () => {
    const r = spawnTmesc(['test', DC, 'rules/examples/datacenter.tests.json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/6 tests: 6 passed, 0 failed\n$/);
  });

  it('a failure shows the packet, expected and actual, and the rules responsible with file:line (exit 1)', () => {
    const r = spawnTmesc(['test', DC, tests('failing.json', FAILING)]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('PASS  web reaches the IDS');
    expect(r.out).toContain('FAIL  web <from> outside goes to "dlp" & not the recorder');
    expect(r.out).toContain('packet:   tap core-a tcp 198.51.100.7:51000 > 10.1.2.3:443');
    expect(r.out).toContain('expected: reaches dlp; does not reach recorder');
    expect(r.out).toContain('actual:   ids (tool ids-1), recorder (tool rec), probe (tool latency)');
    expect(r.out).toMatch(
      /does not reach group dlp: no rule sending to group dlp matches it \(leaks \(to dlp\) at rules\/examples\/datacenter\.tmes:\d+\)/,
    );
    expect(r.out).toMatch(
      /reaches group recorder: sent by record-all \(to recorder\) at rules\/examples\/datacenter\.tmes:\d+/,
    );
    // reachesOnly: [] with a packet that still reaches the probe
    expect(r.out).toContain('FAIL  rsync is dropped from the recorder');
    expect(r.out).toMatch(/also reaches group probe \(tool latency\): sent by headers/);
    expect(r.out).toMatch(/3 tests: 1 passed, 2 failed\n$/);
  });

  it('--format junit is well-formed JUnit XML with a testcase per test and a failure per failed test', () => {
    const r = spawnTmesc(['test', DC, tests('failing.json', FAILING), '--format', 'junit']);
    expect(r.code).toBe(1);
    expect(XMLValidator.validate(r.out)).toBe(true);
    const doc = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: '',
      isArray: (n) => n === 'testcase',
    }).parse(r.out);
    const suite = doc.testsuites.testsuite;
    expect(doc.testsuites).toMatchObject({ tests: '3', failures: '2', errors: '0' });
    expect(suite).toMatchObject({ tests: '3', failures: '2', errors: '0', skipped: '0' });
    expect(suite.testcase.map((c: { name: string }) => c.name)).toEqual(FAILING.tests.map((t) => t.name));
    expect(suite.testcase[0].failure).toBeUndefined();
    expect(suite.testcase[1].failure.message).toBe('expected: reaches dlp; does not reach recorder');
    expect(suite.testcase[1].failure['#text']).toContain('sent by record-all (to recorder)');
  });

  it('--format json', () => {
    const r = spawnTmesc(['test', DC, tests('failing.json', FAILING), '--format', 'json']);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({ formatVersion: 1, passed: 1, failed: 2, errors: 0 });
    expect(j.tests[1]).toMatchObject({ path: '$.tests[1]', status: 'fail' });
    expect(j.tests[1].packets[0].goesTo.map((g: { group: string }) => g.group)).toEqual(['ids', 'recorder', 'probe']);
  });

  it('a test that cannot run is an error (exit 2) at its place in the tests file: an unknown name (with a suggestion), a bad description (with a caret)', () => {
    const file = tests('errors.json', {
      tests: [
        { name: 'typo', packet: 'tap core-a tcp', reaches: ['recorder', 'recorderr'] },
        { name: 'not a packet', packet: 'tap core-a tcp vxlan ff', reaches: ['ids'] },
        { name: 'fine', packet: 'tap core-a tcp', reaches: ['recorder'] },
        { name: 'no such tap', packet: 'tcp', tap: 'core-c', reaches: ['ids'] },
        { name: 'no such rule', packet: 'tap core-a tcp', matches: ['record-al'] },
        { name: 'no such frame', pcap: join(ROOT, 'samples', 'sample.pcap'), frame: '0-2', reaches: ['ids'] },
      ],
    });
    const text = readFileSync(file, 'utf8');
    /** line:column of the nth occurrence of `needle` in the tests file, plus `delta` columns. */
    const place = (needle: string, delta = 0) => {
      const before = text.slice(0, text.indexOf(needle)).split('\n');
      return `${before.length}:${before.at(-1)!.length + 1 + delta}`;
    };
    // the policy's includes are in rules/lib: run from elsewhere, they are allowed with --include-root
    const roots = ['--include-root', join(ROOT, 'rules')];
    const r = spawnTmesc(['test', ...roots, DC, file], { cwd: TMP });
    expect(r.code).toBe(2);
    expect(r.out).toContain(
      `ERROR typo\n      errors.json:${place('"recorderr"')}: $.tests[0].reaches[1]: the policy has no group or tool 'recorderr'; did you mean 'recorder'?`,
    );
    // the caret under the words at fault, and the column of those words in the file
    expect(r.out).toContain(
      `ERROR not a packet\n      errors.json:${place('"tap core-a tcp vxlan ff"', 1 + 'tap core-a tcp vxlan '.length)}: $.tests[1].packet: `,
    );
    expect(r.out).toMatch(/ERROR not a packet\n.*vxlan.*\n {10}tap core-a tcp vxlan ff\n {31}\^\^\n/);
    expect(r.out).toContain('PASS  fine');
    expect(r.out).toContain(
      `errors.json:${place('"core-c"')}: $.tests[3].tap: the policy has no tap 'core-c'; did you mean 'core-a'? (taps: core-a, core-b, archive)`,
    );
    expect(r.out).toContain(
      `errors.json:${place('"record-al"')}: $.tests[4].matches[0]: the policy has no rule 'record-al'; did you mean 'record-all'?`,
    );
    expect(r.out).toContain(`errors.json:${place('"0-2"')}: $.tests[5].frame: --frame takes packet numbers from 1`);
    const json = JSON.parse(spawnTmesc(['test', ...roots, '--format', 'json', DC, file], { cwd: TMP }).out);
    expect(json.tests[0].errorAt).toEqual({
      file: 'errors.json',
      line: Number(place('"recorderr"').split(':')[0]),
      column: Number(place('"recorderr"').split(':')[1]),
      path: '$.tests[0].reaches[1]',
    });
  });

  it('frames of a capture: each must pass', () => {
    const r = spawnTmesc([
      'test',
      DC,
      tests('pcap.json', {
        tests: [
          {
            name: 'recorded',
            pcap: join(ROOT, 'samples', 'sample.pcap'),
            frame: '1-20',
            tap: 'archive',
            reaches: ['recorder'],
          },
        ],
      }),
    ]);
    expect(r.code, r.out + r.err).toBe(0);
  });

  it('a tests file that does not follow its schema: file, line, column and JSON path of each problem (exit 2)', () => {
    const p = join(TMP, 'invalid.json');
    writeFileSync(
      p,
      '{\n  "tests": [\n    { "name": "x", "packt": "tcp", "reaches": ["ids"] },\n    { "name": "y", "packet": "tcp", "frame": 0 }\n  ],\n  "tapp": "core-a"\n}\n',
    );
    const r = spawnTmesc(['test', DC, p], { cwd: TMP });
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toContain("invalid.json:6:3: $: unknown member 'tapp'; did you mean 'tap'?");
    expect(r.err).toContain("invalid.json:3:20: $.tests[0]: unknown member 'packt'; did you mean 'packet'?");
    expect(r.err).toContain('invalid.json:3:5: $.tests[0]: give either "packet", or "pcap" with "frame"');
    expect(r.err).toContain('invalid.json:4:5: $.tests[1]: say what the packet must do');
    expect(r.err).toContain('invalid.json:4:46: $.tests[1].frame: a packet number from 1');
    writeFileSync(p, '{ "tests": [ }');
    expect(spawnTmesc(['test', DC, p], { cwd: TMP }).err).toContain(
      'invalid.json:1:14: $: not valid JSON: ValueExpected',
    );
  });
});
