import { describe, expect, it } from 'vitest';
import { checkText } from '../check/support/check-text.js';

/** The parser's "expected '}'" in a block, said as what went wrong. */
function syntaxErrors(text: string) {
  const { result } = checkText(text);
  return result.diagnostics
    .filter((d) => d.code === 'TMES0010')
    .map((d) => ({
      at: d.span.start,
      message: d.message,
      related: d.related?.map((r) => [r.message, r.span.start]),
      fix: d.fix && [d.fix.text, d.fix.span.start],
    }));
}

describe('syntax errors in blocks', () => {
  it('a misspelt group setting gets the closest, the list, and a fix', () => {
    const text = 'policy "p"\ngroup g { tool o { output pcap "o.pcap" }\n  balanse session\n}\n';
    expect(syntaxErrors(text)).toEqual([
      {
        at: text.indexOf('balanse'),
        message:
          "unknown group setting 'balanse'; did you mean 'balance'? (a group holds tool, balance, shape, strip, mask, replace, truncate, timestamp or dedup, and '}' closes it)",
        related: undefined,
        fix: ['balance', text.indexOf('balanse')],
      },
    ]);
  });

  it('a misspelt tap or tool setting likewise', () => {
    const tap = 'tap t { sorce pcap "a.pcap" }\n';
    expect(syntaxErrors(tap)[0].message).toMatch(/^unknown tap setting 'sorce'; did you mean 'source'\?/);
    const tool = 'group g { tool o { outptu pcap "o.pcap" } }\n';
    expect(syntaxErrors(tool)[0].message).toMatch(/^unknown tool setting 'outptu'; did you mean 'output'\?/);
  });

  it('a missing } is reported where the next statement starts, pointing at the { it should close', () => {
    const text = 'policy "p"\ngroup h { tool o { output pcap "o.pcap" }\nrule r match tcp to h\n';
    expect(syntaxErrors(text)).toEqual([
      {
        at: text.indexOf('rule'),
        message: "expected '}' to close group 'h', found 'rule'",
        related: [["group 'h' opens here", text.indexOf('{')]],
        fix: undefined,
      },
    ]);
  });

  it('an unclosed tool is found by the group item after it, and at end of file', () => {
    const tool = 'group g {\n  tool o { output pcap "o.pcap"\n  dedup\n}\n';
    expect(syntaxErrors(tool)[0]).toMatchObject({
      message: "expected '}' to close tool 'o', found 'dedup'",
      related: [["tool 'o' opens here", tool.indexOf('{', tool.indexOf('tool'))]],
    });
    const eof = 'group g { tool o { output pcap "o.pcap" }';
    expect(syntaxErrors(eof)[0]).toMatchObject({
      message: "expected '}' to close group 'g', found end of file",
      related: [["group 'g' opens here", eof.indexOf('{')]],
    });
  });

  it('an item of another block says where it goes', () => {
    const text = 'group g { output pcap "x.pcap" }\n';
    expect(syntaxErrors(text)[0].message).toBe(
      "'output' goes in a tool, not in a group: tool NAME { output ...; rate ... }",
    );
  });
});
