import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, test } from 'vitest';
import type { Diagnostic } from '../../src/diagnostics/diagnostic.js';
import { artifactLocation, renderSarif, toSarifLog, type SarifLog } from '../../src/diagnostics/render/sarif.js';
import { SourceFile } from '../../src/diagnostics/source.js';
import { at, DC_TEXT, dcFile, diag, lookupRule, point, unknownGroup } from './render-fixtures.js';

// fixtures/sarif-schema-2.1.0.json is the OASIS SARIF 2.1.0 JSON schema (draft-07),
// copied verbatim from the public repository oasis-tcs/sarif-spec, file
// Documents/CommitteeSpecifications/2.1.0/sarif-schema-2.1.0.json at commit
// 3682e9ee648f2f3e11ba1fcd47fc390a0b8f9dab (112318 characters). JSON has no
// comments, so its provenance is recorded here.
const SCHEMA = JSON.parse(readFileSync(new URL('./fixtures/sarif-schema-2.1.0.json', import.meta.url), 'utf8'));
// No ajv-formats here: formats (uri, date-time) are not checked, everything else is.
const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
const validate = ajv.compile(SCHEMA);

function expectValid(log: unknown): void {
  const ok = validate(log);
  expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
  expect(ok).toBe(true);
}

const CWD = path.resolve('/work/repo');
const inRepo = (rel: string): string => path.join(CWD, ...rel.split('/'));

function sample(): Diagnostic[] {
  const dc = dcFile(inRepo('rules/dc.tmes'));
  const lib = new SourceFile(
    inRepo('rules/lib/common tools.tmes'),
    'group g {\n\ttool t { output pcap "t.pcap" }\n}\n',
  );
  return [
    unknownGroup(dc),
    diag('TMES0310', 'warning', 'and/or mixed [sic]', at(dc, 'tcp')),
    diag('TMES0500', 'info', "tool 't' is never used", at(lib, 't {')),
    diag('TMES0999', 'error', 'a code the catalogue does not know', point(dc, dc.text.length)),
  ];
}

function parse(
  diagnostics: readonly Diagnostic[],
  extra: { toolVersion?: string; informationUri?: string } = {},
): SarifLog {
  return JSON.parse(renderSarif(diagnostics, { lookupRule, cwd: CWD, ...extra }));
}

describe('renderSarif', () => {
  test('the schema rejects what it should (the validation below is not vacuous)', () => {
    expect(validate({ version: '2.1.0', runs: [{ tool: { driver: { name: 'x' } }, results: [] }] })).toBe(true);
    expect(validate({ version: '2.1.0', runs: [{ tool: { driver: {} } }] })).toBe(false);
    expect(
      validate({
        version: '2.1.0',
        runs: [{ tool: { driver: { name: 'x' } }, results: [{ message: { text: 'm' }, level: 'info' }] }],
      }),
    ).toBe(false);
    expect(
      validate({
        version: '2.1.0',
        runs: [
          {
            tool: { driver: { name: 'x' } },
            results: [
              {
                message: { text: 'm' },
                locations: [{ physicalLocation: { artifactLocation: { uri: 'a' }, region: { startLine: 0 } } }],
              },
            ],
          },
        ],
      }),
    ).toBe(false);
  });

  test('validates against the SARIF 2.1.0 schema', () => {
    expectValid(parse(sample(), { toolVersion: '0.1.0', informationUri: 'https://tmesc.example/' }));
    expectValid(parse([]));
    expectValid(JSON.parse(renderSarif(sample())));
  });

  test('log, run and driver', () => {
    const log = parse(sample(), { toolVersion: '0.1.0', informationUri: 'https://tmesc.example/' });
    expect(log.$schema).toBe('https://json.schemastore.org/sarif-2.1.0.json');
    expect(log.version).toBe('2.1.0');
    expect(log.runs).toHaveLength(1);
    const driver = log.runs[0].tool.driver;
    expect(driver.name).toBe('tmesc');
    expect(driver.version).toBe('0.1.0');
    expect(driver.informationUri).toBe('https://tmesc.example/');
    expect(log.runs[0].results).toHaveLength(4);
  });

  test('no diagnostics: a run with empty rules and results', () => {
    const log = parse([]);
    expect(log.runs[0].tool.driver.rules).toEqual([]);
    expect(log.runs[0].results).toEqual([]);
    expect(log.runs[0].tool.driver).not.toHaveProperty('version');
  });

  test('one rule per code used, with the catalogue metadata', () => {
    const ds = sample();
    const log = parse([...ds, unknownGroup(ds[0].span.file)]);
    const rules = log.runs[0].tool.driver.rules;
    expect(rules.map((r) => r.id)).toEqual(['TMES0200', 'TMES0310', 'TMES0500', 'TMES0999']);
    expect(rules[0]).toEqual({
      id: 'TMES0200',
      name: 'UnknownName',
      shortDescription: { text: 'Unknown name' },
      fullDescription: {
        text: 'A name is used that no definition declares. Check the spelling or add the definition.',
      },
      help: {
        text: 'A name is used that no definition declares. Check the spelling or add the definition.\n\nSee https://tmesc.example/docs/diagnostics#TMES0200',
        markdown:
          'A name is used that no definition declares. Check the spelling or add the definition.\n\n[Documentation](https://tmesc.example/docs/diagnostics#TMES0200)',
      },
      helpUri: 'https://tmesc.example/docs/diagnostics#TMES0200',
      defaultConfiguration: { level: 'error' },
      properties: { tags: ['tmes', 'correctness'] },
    });
    expect(rules[1]).toMatchObject({ name: 'MixedAndOr', defaultConfiguration: { level: 'warning' } });
    expect(rules[1]).not.toHaveProperty('helpUri');
    expect(rules[2]).toMatchObject({ name: 'UnusedTool', defaultConfiguration: { level: 'note' } });
    // A code without metadata still gets a descriptor, so ruleIndex always resolves.
    expect(rules[3]).toEqual({ id: 'TMES0999', defaultConfiguration: { level: 'error' } });
  });

  test('results: ruleId, ruleIndex, level, message and location', () => {
    const log = parse(sample());
    const { rules } = log.runs[0].tool.driver;
    const results = log.runs[0].results;
    for (const r of results) expect(rules[r.ruleIndex].id).toBe(r.ruleId);
    expect(results.map((r) => [r.ruleId, r.level])).toEqual([
      ['TMES0310', 'warning'],
      ['TMES0200', 'error'],
      ['TMES0999', 'error'],
      ['TMES0500', 'note'],
    ]);
    expect(results[0].message).toEqual({ text: 'and/or mixed [sic]' });
    expect(results[0].locations).toEqual([
      {
        physicalLocation: {
          artifactLocation: { uri: 'rules/dc.tmes', uriBaseId: '%SRCROOT%' },
          region: { startLine: 7, startColumn: 28, endLine: 7, endColumn: 31 },
        },
      },
    ]);
    // Paths are relative to cwd, with forward slashes and percent-encoding.
    expect(results[3].locations[0].physicalLocation.artifactLocation.uri).toBe('rules/lib/common%20tools.tmes');
    // A span at the very end of the file.
    expect(results[2].locations[0].physicalLocation.region).toEqual({
      startLine: 8,
      startColumn: 1,
      endLine: 8,
      endColumn: 1,
    });
  });

  test('related information becomes linked relatedLocations; the fix becomes a SARIF fix', () => {
    const result = parse(sample()).runs[0].results[1];
    expect(result.message.text).toBe("unknown group 'idss'; did you mean 'ids'? (['ids' is defined here](1))");
    expect(result.relatedLocations).toEqual([
      {
        id: 1,
        physicalLocation: {
          artifactLocation: { uri: 'rules/dc.tmes', uriBaseId: '%SRCROOT%' },
          region: { startLine: 3, startColumn: 7, endLine: 3, endColumn: 10 },
        },
        message: { text: "'ids' is defined here" },
      },
    ]);
    expect(result.fixes).toEqual([
      {
        description: { text: "replace with 'ids'" },
        artifactChanges: [
          {
            artifactLocation: { uri: 'rules/dc.tmes', uriBaseId: '%SRCROOT%' },
            replacements: [
              {
                deletedRegion: { startLine: 7, startColumn: 35, endLine: 7, endColumn: 39 },
                insertedContent: { text: 'ids' },
              },
            ],
          },
        ],
      },
    ]);
  });

  test('brackets in a message with links are escaped', () => {
    const f = dcFile(inRepo('rules/dc.tmes'));
    const d = diag('TMES0200', 'error', 'unknown [group] a\\b', at(f, 'idss'), {
      related: [{ message: 'see [here]', span: at(f, 'ids') }],
    });
    const log = parse([d]);
    expect(log.runs[0].results[0].message.text).toBe('unknown \\[group\\] a\\\\b ([see \\[here\\]](1))');
    expectValid(log);
  });

  test('primaryLocationLineHash: stable when lines move, counts repeats, changes with the line', () => {
    const hashOf = (text: string, needle: string, nth = 1, code = 'TMES0200'): string => {
      const f = new SourceFile(inRepo('rules/dc.tmes'), text);
      return parse([diag(code, 'error', 'm', at(f, needle, nth))]).runs[0].results[0].partialFingerprints
        .primaryLocationLineHash;
    };
    const h = hashOf(DC_TEXT, 'idss');
    expect(h).toMatch(/^[0-9a-f]{16}:1$/);
    // Lines inserted above, and indentation changed: same fingerprint.
    expect(hashOf('# a comment\n\n' + DC_TEXT.replace('rule web', '   rule web'), 'idss')).toBe(h);
    // The line itself changed, or another code: different fingerprint.
    expect(hashOf(DC_TEXT.replace('to idss', 'to  idss'), 'idss')).not.toBe(h);
    expect(hashOf(DC_TEXT, 'idss', 1, 'TMES0201')).not.toBe(h);
    // Deterministic across calls.
    expect(hashOf(DC_TEXT, 'idss')).toBe(h);

    // The same (code, line text) twice in one file: :1 then :2, in source order
    // whatever the input order; the same line in another file starts again at :1.
    const twice = new SourceFile(
      inRepo('rules/twice.tmes'),
      'rule a from t to g\nrule b from t to h\nrule a from t to g\n',
    );
    const other = new SourceFile(inRepo('rules/other.tmes'), 'rule a from t to g\n');
    const ds = [
      diag('TMES0200', 'error', 'second', at(twice, 'g', 2)),
      diag('TMES0200', 'error', 'other', at(other, 'g')),
      diag('TMES0200', 'error', 'first', at(twice, 'g', 1)),
      diag('TMES0200', 'error', 'b', at(twice, 'h')),
    ];
    const fp = new Map(
      parse(ds).runs[0].results.map((r) => [r.message.text, r.partialFingerprints.primaryLocationLineHash]),
    );
    const [h1, n1] = fp.get('first')!.split(':');
    const [h2, n2] = fp.get('second')!.split(':');
    expect(h1).toBe(h2);
    expect([n1, n2]).toEqual(['1', '2']);
    expect(fp.get('other')).toBe(fp.get('first'));
    expect(fp.get('b')!.split(':')[0]).not.toBe(h1);
  });

  test('output is identical whatever the input order', () => {
    const ds = sample();
    expect(renderSarif([...ds].reverse(), { lookupRule, cwd: CWD })).toBe(renderSarif(ds, { lookupRule, cwd: CWD }));
  });

  test('too many tags are cut to the 20 that code scanning accepts', () => {
    const f = dcFile(inRepo('rules/dc.tmes'));
    const tags = Array.from({ length: 30 }, (_, i) => `t${i}`);
    const log = JSON.parse(
      renderSarif([unknownGroup(f)], {
        cwd: CWD,
        lookupRule: (c) => ({ code: c, name: 'x', title: 'X', defaultSeverity: 'error', help: 'h', tags }),
      }),
    ) as SarifLog;
    expect(log.runs[0].tool.driver.rules[0].properties!.tags).toHaveLength(20);
    expectValid(log);
  });

  test('toSarifLog returns the object renderSarif prints', () => {
    const ds = sample();
    expect(renderSarif(ds, { lookupRule, cwd: CWD })).toBe(
      JSON.stringify(toSarifLog(ds, { lookupRule, cwd: CWD }), null, 2) + '\n',
    );
  });
});

describe('artifactLocation', () => {
  test('relative to cwd, forward slashes', () => {
    expect(artifactLocation(path.join(CWD, 'rules', 'dc.tmes'), CWD)).toEqual({
      uri: 'rules/dc.tmes',
      uriBaseId: '%SRCROOT%',
    });
    expect(artifactLocation('rules/dc.tmes', CWD)).toEqual({ uri: 'rules/dc.tmes', uriBaseId: '%SRCROOT%' });
    expect(artifactLocation('./rules/dc.tmes')).toEqual({ uri: 'rules/dc.tmes', uriBaseId: '%SRCROOT%' });
    expect(artifactLocation('rules\\win\\dc.tmes')).toEqual({ uri: 'rules/win/dc.tmes', uriBaseId: '%SRCROOT%' });
  });

  test('characters that are not URI-safe are percent-encoded', () => {
    expect(artifactLocation('rules/a b#c%.tmes').uri).toBe('rules/a%20b%23c%25.tmes');
    expect(artifactLocation('x:y.tmes').uri).toBe('x%3Ay.tmes');
  });

  test('an absolute path with no cwd becomes a file URI without a base', () => {
    expect(artifactLocation('/srv/rules/dc.tmes')).toEqual({ uri: 'file:///srv/rules/dc.tmes' });
    expect(artifactLocation('C:\\rules\\dc.tmes')).toEqual({ uri: 'file:///C:/rules/dc.tmes' });
  });
});
