import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../../src/cli/lint/config.js';
import { lintPolicy } from '../../../src/cli/lint/lint.js';
import { formatPolicy } from '../../../src/cli/format/format.js';
import { tokenize } from '../../../src/syntax/lexer.js';
import { DiagnosticBag } from '../../../src/diagnostics/bag.js';
import { SourceFile } from '../../../src/diagnostics/source.js';
import { graphChecks } from '../../../src/ir/graph-check.js';

/**
 * Suppressions speak for statements, so layout cannot change what they
 * silence: random policies with findings of many kinds (unused names, and/or
 * without parentheses, redundant rules, partial rates, long rules fmt breaks;
 * never-matching rules are errors, which nothing silences), a `# tmesc-ignore` for every finding's statement
 * (at its end or on the line before it, at random), then respaced at random
 * (rules and definitions broken anywhere) and formatted: validate finds the
 * same in all three, and no suppression silences nothing.
 */
const PATH = '/policies/p.tmes';

function lint(text: string) {
  return lintPolicy(PATH, { read: () => text, extraChecks: [graphChecks], config: DEFAULT_CONFIG }).diagnostics;
}

const findings = (text: string) =>
  lint(text)
    .map((d) => `${d.code} ${d.message}`)
    .sort();

const atom = fc.constantFrom(
  'tcp',
  'udp',
  'tcp port 80',
  'udp port 53',
  'port WEB',
  'net LAB',
  'host 10.1.1.1',
  'net 192.168.0.0/16',
  'vlan 7',
  'icmp',
  'tcp and udp',
  '(tcp or udp)',
  'not host 10.2.2.2',
  'portrange 1000-2000',
);
const filter = fc
  .tuple(fc.array(atom, { minLength: 1, maxLength: 9 }), fc.array(fc.constantFrom(' and ', ' or '), { minLength: 8 }))
  .map(([atoms, ops]) => atoms.map((a, i) => (i ? ops[i - 1] : '') + a).join(''));

const policy = fc
  .record({
    rules: fc.array(fc.tuple(filter, fc.constantFrom('to', 'drop'), fc.nat(2)), { minLength: 2, maxLength: 8 }),
    duplicate: fc.boolean(),
    rated: fc.boolean(),
  })
  .map(({ rules, duplicate, rated }) => {
    const lines = [
      'policy "layout"',
      'define ports WEB = 80, 443, 8080',
      'define ports SPARE = 9000',
      'define net LAB = 10.99.0.0/16',
      'tap t { source pcap "in.pcap" }',
      'tap unused { source pcap "other.pcap" }',
      `group g0 { tool a { output pcap "a.pcap"${rated ? '; rate 1 Gbps' : ''} } tool b { output pcap "b.pcap" } }`,
      'group g1 { tool c { output pcap "c.pcap" } }',
      'group g2 { tool d { output pcap "d.pcap" } }',
      'rule base from t match ip to g0',
    ];
    rules.forEach(([f, action, g], i) => lines.push(`rule r${i} from t match ${f} ${action} g${g}`));
    if (duplicate) lines.push(`rule again from t match ${rules[0][0]} ${rules[0][1]} g${rules[0][2]}`);
    return lines.join('\n') + '\n';
  });

/** A suppression for every finding but errors, at the end of its statement's line or on a line before it (one statement a line). */
function suppressed(text: string, ownLine: boolean[]): string {
  const file = new SourceFile(PATH, text);
  const byLine = new Map<number, Set<string>>();
  for (const d of lint(text)) {
    if (d.severity === 'error' || d.code === 'TMES0704') continue;
    const line = file.position(d.span.start).line;
    byLine.set(line, (byLine.get(line) ?? new Set()).add(d.code));
  }
  const lines = text.split('\n');
  for (const [line, codes] of byLine) {
    const comment = `# tmesc-ignore ${[...codes].sort().join(', ')}: accepted in review ${line}`;
    lines[line - 1] = ownLine[line % ownLine.length]
      ? `${comment}\n${lines[line - 1]}`
      : `${lines[line - 1]}  ${comment}`;
  }
  return lines.join('\n');
}

/** Gaps between tokens outside braces and without comments respaced: rules and definitions broken anywhere. */
function respace(text: string, gaps: string[]): string {
  const tokens = tokenize(new SourceFile(PATH, text), new DiagnosticBag());
  let out = '';
  let at = 0;
  let depth = 0;
  tokens.forEach((t, i) => {
    const gap = text.slice(at, t.startOffset);
    const plain = i > 0 && depth === 0 && !/[#;\n]/.test(gap) && t.image !== '{' && t.image !== '}';
    out += plain ? gaps[i % gaps.length] : gap;
    out += t.image;
    if (t.image === '{') depth++;
    if (t.image === '}') depth--;
    at = t.endOffset! + 1;
  });
  return out + text.slice(at);
}

describe('suppressions under any layout', () => {
  it('random policies: findings suppressed per statement stay suppressed when respaced and formatted', () => {
    let suppressions = 0;
    fc.assert(
      fc.property(
        policy,
        fc.array(fc.boolean(), { minLength: 1, maxLength: 5 }),
        fc.array(fc.constantFrom(' ', '\n  ', '\n', '   '), { minLength: 1, maxLength: 7 }),
        (text, ownLine, gaps) => {
          const before = findings(text);
          const y = suppressed(text, ownLine);
          suppressions += (y.match(/tmesc-ignore/g) ?? []).length;
          const expected = findings(y);
          // every finding but errors and the analysis note is silenced, by a suppression in use
          const left = lint(y).filter((d) => d.severity !== 'error' && d.code !== 'TMES0704');
          expect(left.map((d) => `${d.code} ${d.message}`)).toEqual([]);
          expect(before.length).toBeGreaterThanOrEqual(expected.length);
          const z = respace(y, gaps);
          expect(findings(z), z).toEqual(expected);
          const formatted = formatPolicy(PATH, z);
          expect(formatted.ok).toBe(true);
          if (formatted.ok) expect(findings(formatted.text), formatted.text).toEqual(expected);
        },
      ),
      { seed: 15, numRuns: 40 },
    );
    expect(suppressions).toBeGreaterThan(80);
  });
});
