import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CardScanner } from '../../../src/runtime/actions/mask-card.js';

/**
 * card-number's native search (String indexOf of each digit over the
 * segment as a Latin-1 string finds the next digit, its run then checked
 * as the loop checks it) against the loop
 * it replaces: the same streams, cut the same way, each segment placed
 * inside a larger buffer whose other bytes are digits and separators (a
 * search must not see past its segment), must give the same spans and hold
 * back the same bytes after every segment.
 */
class Native extends CardScanner {
  protected override readonly nativeFrom: number = 0;
}
class Loop extends CardScanner {
  protected override readonly nativeFrom: number = Infinity;
}

const piece = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('4111 1111 1111 1111', '4111-1111-1111-1111', '4111111111111111') },
  { weight: 2, arbitrary: fc.constantFrom('378282246310005', '3782 822463 10005', '6011000990139424') },
  { weight: 6, arbitrary: fc.constantFrom(' ', '-', '  ', '--', 'x', '\r\n', '12/25', '2026 19:48', 'a1b2') },
  { weight: 6, arbitrary: fc.stringMatching(/^[0-9]{1,22}$/) },
  { weight: 2, arbitrary: fc.stringMatching(/^(?:[0-9]{1,6}[ -]){1,7}[0-9]{0,6}$/) },
  { weight: 2, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 6 }).map((a) => Buffer.from(a).toString('latin1')) },
);

type Seen = { spans: number[]; held: number[] };

function run(S: typeof CardScanner, text: Buffer, cuts: number[], around: string): Seen {
  const sc = new S(7);
  const spans: number[] = [];
  const held: number[] = [];
  const report = (s: number, e: number) => spans.push(s, e);
  let at = 0;
  for (const to of [...cuts, text.length]) {
    const pad = Buffer.from(around, 'latin1');
    const buf = Buffer.concat([pad, text.subarray(at, to), pad]);
    sc.write(buf, pad.length, pad.length + to - at, report);
    held.push(sc.undecidedFrom(), sc.suspiciousFrom());
    at = to;
  }
  sc.end(report);
  return { spans, held };
}

describe('card-number: the native search against the loop', () => {
  it('on random and adversarial streams, cut anywhere, inside larger buffers', () => {
    let found = 0;
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 30 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        fc.constantFrom('', '1', '0 ', '-9', '12345678901234', ' 4111'),
        (pieces, rawCuts, around) => {
          const text = Buffer.from(pieces.join(''), 'latin1');
          const cuts = [...new Set(rawCuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
          const want = run(Loop, text, cuts, around);
          expect(run(Native, text, cuts, around)).toEqual(want);
          // the default (native from 64 bytes on) too
          expect(run(CardScanner, text, cuts, around)).toEqual(want);
          if (want.spans.length > 0) found++;
        },
      ),
      { numRuns: 3000, seed: 41 },
    );
    expect(found).toBeGreaterThan(300);
  });
});
