import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CredentialScanner, credentialSession } from '../../../src/runtime/actions/credentials/credentials.js';
import { CardScanner } from '../../../src/runtime/actions/mask-card.js';
import { type MaskScanner, SegmentText } from '../../../src/runtime/actions/mask-scanner.js';
import { C_JUMP, findClass, load } from '../../../src/runtime/actions/mask-wasm.js';

/**
 * The segment copied once into the next-trigger finder's memory and shared
 * by card-number and credentials (SegmentText, passed through
 * MaskScanner.write as mask's feed does) against each scanner making its own
 * copy: the same streams cut the same way, each segment inside a larger
 * buffer of other bytes, must give the same spans and hold back the same
 * bytes after every segment. The finder is on from the first byte so that
 * every segment uses the copy.
 */
class Card extends CardScanner {
  protected override readonly nativeFrom: number = 0;
}
class Credentials extends CredentialScanner {
  protected override readonly nativeFrom: number = 1;
}

/** Counts the copies asked for, to show the shared path was taken. */
class Counted extends SegmentText {
  made = 0;
  override wasm(): number {
    this.made++;
    return super.wasm();
  }
}

const piece = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('4111 1111 1111 1111', '4111-1111-1111-1111', '378282246310005') },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      'USER alice\r\n',
      'PASS s3cret\r\n',
      'a1 LOGIN bob hunter2\r\n',
      'Authorization: Basic dXNlcjpwYXNz\r\n',
      'password=abc&x=1',
      '{"password": "p4ss"}',
      'http://u:pw@host/',
      '<input name="pwd" value="q">',
    ),
  },
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      'GET /a HTTP/1.1\r\nHost: example.com\r\n\r\n',
      'lorem ipsum dolor sit amet ',
      ' ',
      '\r\n',
      '-',
      '12/25 ',
    ),
  },
  { weight: 4, arbitrary: fc.stringMatching(/^[0-9]{1,19}$/) },
  { weight: 2, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 8 }).map((a) => Buffer.from(a).toString('latin1')) },
);

const AROUND = Buffer.from('\r\nPASS 4111 x="<\n', 'latin1');

function run(text: Buffer, cuts: number[], shared: Counted | undefined): { spans: string; held: number[] } {
  const scanners: MaskScanner[] = [new Card(0), new Credentials(0, true, 0, credentialSession([40000, 80]))];
  const spans: string[] = [];
  const held: number[] = [];
  let at = 0;
  for (const to of [...cuts, text.length]) {
    const buf = Buffer.concat([AROUND, text.subarray(at, to), AROUND]);
    const a = AROUND.length;
    const b = a + to - at;
    shared?.set(buf, a, b);
    for (let t = 0; t < scanners.length; t++)
      scanners[t].write(buf, a, b, (s, e) => spans.push(`${t}:${s}-${e}`), shared);
    for (const s of scanners) held.push(s.undecidedFrom());
    at = to;
  }
  for (let t = 0; t < scanners.length; t++) scanners[t].end((s, e) => spans.push(`${t}:${s}-${e}:end`));
  return { spans: spans.join(' '), held };
}

describe('mask: the segment copy shared by card-number and credentials', () => {
  it('gives the spans and held bytes each scanner gives with its own copy', () => {
    let made = 0;
    let found = 0;
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), fc.array(fc.nat(), { maxLength: 12 }), (pieces, rawCuts) => {
        const text = Buffer.from(pieces.join(''), 'latin1');
        const cuts = [...new Set(rawCuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
        const want = run(text, cuts, undefined);
        const shared = new Counted();
        expect(run(text, cuts, shared)).toEqual(want);
        made += shared.made;
        if (want.spans.length > 0) found++;
      }),
      { numRuns: 1500, seed: 20261207 },
    );
    // the shared copy was used (both scanners ask for it in most segments), and there was something to find
    expect(made).toBeGreaterThan(3000);
    expect(found).toBeGreaterThan(500);
  });

  it('is copied again for the next segment, and after another copy went to the finder', () => {
    const t = new SegmentText();
    const buf = Buffer.from('xx=bcd"y', 'latin1');
    // the first stop byte (= or ") from each index, through the copy
    const stops = (from: number, to: number, delta: number) =>
      Array.from({ length: to - from }, (_, k) => findClass(from + k, to, C_JUMP, delta));
    t.set(buf, 2, 6);
    expect(stops(2, 6, t.wasm())).toEqual([2, 6, 6, 6]);
    t.set(buf, 3, 8);
    expect(stops(3, 8, t.wasm())).toEqual([6, 6, 6, 6, 8]);
    const other = Buffer.alloc(16, 0x3d);
    load(other, 0, other.length);
    expect(stops(3, 8, t.wasm())).toEqual([6, 6, 6, 6, 8]);
    t.set(Buffer.from([0xff, 0x00, 0x3d]), 0, 3);
    expect(stops(0, 3, t.wasm())).toEqual([0, 2, 2]);
  });
});
