import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../../src/cli/lint/config.js';
import { lintPolicy } from '../../../src/cli/lint/lint.js';
import { suppressionEdit } from '../../../src/cli/lsp/suppress.js';
import { SourceFile } from '../../../src/diagnostics/source.js';
import { graphChecks } from '../../../src/ir/graph-check.js';

const PATH = '/p/suppress.tmes';
const lint = (text: string) =>
  lintPolicy(PATH, { read: () => text, extraChecks: [graphChecks], config: DEFAULT_CONFIG }).diagnostics;

/** The text with the code action applied to the first finding of `code`, and what validate finds then. */
function accept(text: string, code: string): { text: string; found: string[] } {
  const d = lint(text).find((x) => x.code === code)!;
  const edit = suppressionEdit(new SourceFile(PATH, text), d.span.start, code)!;
  const out = text.slice(0, edit.offset) + edit.text + text.slice(edit.offset);
  return { text: out, found: lint(out).map((x) => x.code) };
}

const HEAD = 'policy "p"\ntap t { source pcap "in.pcap" }\n';

describe('the code action that accepts a finding', () => {
  it('a rule fmt broke over lines: the comment after its last line silences the finding on its first', () => {
    const text =
      HEAD +
      'group g { tool o { output pcap "o.pcap" } }\nrule a from t match tcp to g\nrule b\n  from t\n  match tcp and port 80\n  to g\n';
    const r = accept(text, 'TMES0701');
    expect(r.text).toContain('  to g  # tmesc-ignore TMES0701: \n');
    expect(r.found).toEqual(['TMES0951']);
  });

  it('adds the code to the suppression the statement has', () => {
    const text =
      HEAD +
      'define ports SPARE = 1  # tmesc-ignore TMES0310: old\ngroup g { tool o { output pcap "o.pcap" } }\nrule r from t match tcp to g\n';
    const r = accept(text, 'TMES0500');
    expect(r.text).toContain('define ports SPARE = 1  # tmesc-ignore TMES0310, TMES0500: old\n');
    // TMES0310 silences nothing there, as before; TMES0500 is accepted
    expect(r.found).toEqual(['TMES0952']);
  });

  it('a tool of a group: its own line, not the whole group; a # in a string is not a comment', () => {
    const text =
      HEAD +
      'group g {\n  tool a { output pcap "a.pcap"; rate 1 Gbps }\n  tool b { output pcap "b#1.pcap" }\n}\nrule r from t match tcp to g\n';
    const r = accept(text, 'TMES0408');
    // the finding is on tool b, which has no rate
    expect(r.text).toContain('  tool b { output pcap "b#1.pcap" }  # tmesc-ignore TMES0408: \n}');
    expect(r.text).toContain('  tool a { output pcap "a.pcap"; rate 1 Gbps }\n');
    expect(r.found).toEqual(['TMES0951']);
  });

  it('no action for an error, nor for the lint codes', () => {
    const f = new SourceFile(PATH, 'rule r match tcp to gg\n');
    expect(suppressionEdit(f, 20, 'TMES0200')).toBeUndefined();
    expect(suppressionEdit(f, 0, 'TMES0952')).toBeUndefined();
  });
});
