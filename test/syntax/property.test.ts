import fc from 'fast-check';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkPolicyFile } from '../../src/check/check.js';

/**
 * Whatever the input, the checker returns diagnostics (it never throws), and
 * every diagnostic's span lies inside its file with start <= end.
 */
const fixtures = join(import.meta.dirname, '..', 'check', 'fixtures');
const corpus = readdirSync(fixtures)
  .filter((f) => f.endsWith('.tmes'))
  .map((f) => readFileSync(join(fixtures, f), 'utf8'));
const tokens = [
  'policy',
  'tap',
  'group',
  'rule',
  'tool',
  'define',
  'include',
  'from',
  'match',
  'to',
  'drop',
  'and',
  'or',
  'not',
  '{',
  '}',
  '(',
  ')',
  '[',
  ']',
  ';',
  ',',
  '"',
  '/',
  'tcp',
  'host',
  'net',
  'port',
  '10.0.0.1',
  '10.0.0.0/8',
  'fd00::/8',
  '80',
  '8000-9000',
  'vlan',
  'inner',
  'payload',
  'contains',
  'mask',
  'strip',
  'rate',
  'Gbps',
  '<->',
  '==',
  '&',
  '#',
  '\n',
  'x',
  'g',
  't',
  '"a.pcap"',
  'output',
  'pcap',
  'source',
];

const dir = mkdtempSync(join(tmpdir(), 'tmesc-prop-'));
let n = 0;
function checkText(text: string): void {
  const path = join(dir, `p${n++ % 16}.tmes`);
  writeFileSync(path, text);
  const result = checkPolicyFile(path, { read: (p) => (p === path ? text : readFileSync(p, 'utf8')) });
  for (const d of result.diagnostics) {
    expect(d.span.start).toBeGreaterThanOrEqual(0);
    expect(d.span.end).toBeGreaterThanOrEqual(d.span.start);
    expect(d.span.end).toBeLessThanOrEqual(d.span.file.text.length);
    expect(d.code).toMatch(/^TMES\d{4}$/);
    expect(d.message.length).toBeGreaterThan(0);
  }
}

describe('checker robustness (property)', () => {
  it('random token soup never throws and gives valid spans', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...tokens), { maxLength: 60 }), (ts) => checkText(ts.join(' '))),
      { numRuns: 400 },
    );
  });

  it('mutated real policies never throw and give valid spans', () => {
    const mutation = fc.record({
      base: fc.constantFrom(...corpus),
      at: fc.nat(),
      del: fc.nat({ max: 12 }),
      insert: fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom(...tokens)),
    });
    fc.assert(
      fc.property(mutation, ({ base, at, del, insert }) => {
        const i = at % (base.length + 1);
        checkText(base.slice(0, i) + insert + base.slice(i + del));
      }),
      { numRuns: 600 },
    );
  });

  it('arbitrary unicode never throws', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (s) => checkText(s)),
      { numRuns: 200 },
    );
  });
});
