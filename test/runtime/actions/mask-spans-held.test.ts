/**
 * The spans a direction recorded are what its held packets get when they
 * leave: the record's cap (SPANS_PER_DIRECTION) must never drop a span that
 * a packet still held, or the one in hand, needs. Until session 11 it did:
 * after a gap every target carries its match on (mask.ts carryOn), a span a
 * target a segment, and with a card typed over Telnet a byte a segment the
 * three targets' spans interleaved, none merged, and the oldest were dropped
 * while their packets were held: a card digit after a separator was
 * delivered (the checker's Telnet snap-cut leak). A segment with more
 * matches than the cap lost its first ones the same way.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LINKTYPE } from '../../../src/fields/fields.js';
import { SPANS_PER_DIRECTION } from '../../../src/runtime/actions/mask-bounds.js';
import { SpanList } from '../../../src/runtime/actions/mask-spans.js';
import { artifactFor } from '../support/artifact.js';
import { cardNumbersIn } from './mask-paths.js';
import { streamBytes } from './frames.js';
import { runArtifactFrames } from './mask-run.js';
import { Conversation, type Segment, timed } from './tcp-traffic.js';

const tmp = mkdtempSync(join(tmpdir(), 'tmesc-mask-spans-held-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('SpanList', () => {
  it("continues a target's span across other targets' spans in between (carried spans, a byte a segment)", () => {
    const l = new SpanList(SPANS_PER_DIRECTION);
    // as carryOn records them: each segment of one byte, targets 3, 4, 5 (card-number, credentials, a pattern)
    for (let at = 100; at < 400; at++) for (const t of [3, 4, 5]) l.add(at, at + 1, t, true);
    expect(l.size).toBe(3);
    const got: string[] = [];
    l.forEach(0, 1000, (s, e, t, f) => got.push(`${s}-${e}:${t}${f ? 'f' : ''}`));
    expect(got).toEqual(['100-400:5f', '100-400:4f', '100-400:3f']);
  });

  it('keeps spans that end after keepFrom past its cap, and drops them once they may go', () => {
    const l = new SpanList(4);
    l.keepFrom = 10;
    for (let k = 0; k < 10; k++) l.add(10 + 2 * k, 11 + 2 * k, 0, false);
    expect(l.size).toBe(10);
    expect(l.forgotten).toBe(-Infinity);
    l.keepFrom = Infinity;
    l.add(40, 41, 0, false);
    expect(l.size).toBe(4);
    expect(l.forgotten).toBe(23);
  });
});

describe('mask: more spans than the record keeps, in packets held or in hand', () => {
  const policy = (name: string, masks: string) => `tap a { source pcap "${tmp}/none.pcap" }
group g { tool t { output pcap "${tmp}/${name}.pcap" } mask ${masks} }
rule r from a match any to g`;

  /** `digits` with the Luhn check digit that makes it a card number. */
  const luhn = (digits: string) => {
    let sum = 0;
    for (let i = 0; i < digits.length; i++) {
      let d = Number(digits[digits.length - 1 - i]);
      if (i % 2 === 0) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
      sum += d;
    }
    return digits + ((10 - (sum % 10)) % 10);
  };
  const CARDS = Array.from({ length: 70 }, (_, i) =>
    luhn(`4111111111${String(10000 + i * 7)}`)
      .replace(/(\d{4})/g, '$1 ')
      .trim(),
  );

  for (const path of ['decoder', 'generated'] as const)
    it(`${path}: a segment with more card numbers than the cap, in hand and held behind a gap, has them all masked`, () => {
      expect(CARDS.length).toBeGreaterThan(SPANS_PER_DIRECTION);
      const body = CARDS.map((c) => `${c}, `).join('');
      const c = new Conversation({ serverPort: 80 });
      const segs: Segment[] = [...c.handshake(), ...c.send(0, 'GET / HTTP/1.1\r\n\r\n')];
      // one segment with them all (in hand), then the same again behind a gap (held until it fills)
      const [a] = c.send(1, body);
      const [gap] = c.send(1, 'x'.repeat(10));
      const [b] = c.send(1, body);
      segs.push(a, b, gap, c.fin(0), c.fin(1), c.ack(0));
      const r = runArtifactFrames(
        artifactFor(tmp, policy(path, 'card-number')),
        timed(segs.map((g) => c.frame(g))),
        LINKTYPE.ETHERNET,
        path,
      );
      const text = streamBytes(r.out.get('t')!, 80, 5001);
      expect(text.length).toBe(2 * body.length + 10);
      expect(cardNumbersIn(text)).toEqual([]);
      const masked = CARDS.map((x) => `${'*'.repeat(x.length)}, `).join('');
      expect(text).toBe(masked + 'x'.repeat(10) + masked);
    });
});
