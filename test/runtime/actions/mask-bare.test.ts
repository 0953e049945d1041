import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runFrames } from './mask-run.js';
import { ACK, Conversation, RST, type Segment, type TimedFrame, timed } from './tcp-traffic.js';

/**
 * Segments without payload (bare ACKs, FINs, RSTs) take mask's short way
 * when their session holds nothing (MaskStep.bare): these hold it to what
 * the full way does. Bare segments must not change what the data packets
 * become nor the order a session's packets leave in, and a FIN must still
 * end the stream where it did: bytes after it are searched on their own
 * (counted as tcp-again) rather than fed to the stream's scanners (an RST
 * does not end it: in-sequence bytes after one go on being fed).
 */
const dir = mkdtempSync(join(tmpdir(), 'tmesc-mask-bare-'));
const policy = `tap a { source pcap "${dir}/none.pcap" }
group g { tool t { output pcap "${dir}/t.pcap" } mask card-number, credentials }
rule r from a match any to g`;

const CARD = '4111 1111 1111 1111';

function run(frames: TimedFrame[]) {
  const r = runFrames(dir, policy, frames);
  const g = r.groups[0];
  expect(g.delivered).toBe(g.in);
  return { out: r.out.get('t')!, totals: g.actionTotals!.mask, counters: g.actions.mask };
}

describe('mask: segments without payload', () => {
  it('change neither the data packets nor the order of delivery, wherever they fall (differential)', () => {
    const arb = fc.record({
      user: fc.stringMatching(/^[a-z][a-z0-9]{3,9}$/),
      secret: fc.stringMatching(/^[a-z][a-z0-9]{5,11}$/),
      cuts: fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 8 }),
      acks: fc.array(fc.tuple(fc.nat(200), fc.boolean()), { maxLength: 12 }),
      swaps: fc.array(fc.nat(200), { maxLength: 3 }),
    });
    fc.assert(
      fc.property(arb, ({ user, secret, cuts, acks, swaps }) => {
        const c = new Conversation({ serverPort: 21 });
        const segs: Segment[] = [...c.handshake()];
        const turns: [0 | 1, string][] = [
          [1, '220 ready\r\n'],
          [0, `USER ${user}\r\n`],
          [1, '331 password\r\n'],
          [0, `PASS ${secret}\r\n`],
          [1, '230 ok\r\n'],
          [0, `STOR card ${CARD} end\r\n`],
        ];
        let k = 0;
        for (const [d, text] of turns)
          segs.push(
            ...c.send(
              d,
              text,
              text.split('').map(() => cuts[k++ % cuts.length]),
            ),
          );
        // data segments swapped with their neighbours: held until the hole fills, with bare segments arriving meanwhile
        const data = segs.map((s, i) => ({ s, i })).filter((x) => x.s.payload.length > 0);
        for (const w of swaps) {
          const a = data[w % (data.length - 1)].i;
          const b = data[(w % (data.length - 1)) + 1].i;
          [segs[a], segs[b]] = [segs[b], segs[a]];
        }
        const plain = segs.slice();
        const withAcks = segs.slice();
        const isAck = new Set<Segment>();
        for (const [at, server] of acks) {
          const from = server ? 1 : 0;
          const s: Segment = { ...c.ack(from), flags: ACK };
          isAck.add(s);
          withAcks.splice(3 + (at % (withAcks.length - 2)), 0, s);
        }
        const a = run(timed(plain.map((s) => c.frame(s))));
        const b = run(timed(withAcks.map((s) => c.frame(s))));
        // the same data packets, the same bytes
        const dataOf = (out: typeof a.out, list: Segment[]) =>
          out.filter((d) => !isAck.has(list[d.input])).map((d) => d.data.toString('hex'));
        expect(dataOf(b.out, withAcks)).toEqual(dataOf(a.out, plain));
        expect(b.out.map((d) => d.data.toString('latin1')).join('')).not.toContain(secret);
        // one session: its packets leave in the order they came
        const order = b.out.map((d) => d.input);
        expect(order).toEqual([...order].sort((x, y) => x - y));
        expect(b.counters['no-payload']).toBe(a.counters['no-payload'] + acks.length);
      }),
      { numRuns: 60, seed: 9 },
    );
  });

  it('a bare RST does not end the streams: what the client sends after it in sequence is fed on, not searched alone', () => {
    const c = new Conversation({ serverPort: 21 });
    const segs: Segment[] = [...c.handshake(), ...c.send(1, '220 ready\r\n'), ...c.send(0, 'NOOP\r\n')];
    segs.push(c.ack(1), { ...c.ack(0), flags: RST | ACK }, ...c.send(0, 'NOOP\r\n'));
    const r = run(timed(segs.map((s) => c.frame(s))));
    expect(r.totals['tcp-again']).toBe(0);
  });

  it('a bare FIN ends its stream: data past it is searched on its own, not held as beyond a gap', () => {
    const c = new Conversation({ serverPort: 21 });
    const segs: Segment[] = [...c.handshake(), ...c.send(1, '220 ready\r\n'), ...c.send(0, 'NOOP\r\n')];
    segs.push(c.ack(1), c.fin(0), ...c.send(0, 'NOOP\r\n'));
    const r = run(timed(segs.map((s) => c.frame(s))));
    expect(r.totals['tcp-again']).toBe(1);
    expect(r.totals['packets-held']).toBe(0);
  });

  it('a FIN reached by a forced release ends its stream at the next bare segment', () => {
    const c = new Conversation({ serverPort: 21 });
    const segs: Segment[] = [...c.handshake(), ...c.send(1, '220 ready\r\n')];
    const lost = c.send(0, 'NOOP\r\n');
    segs.push(...c.send(0, 'NOOP\r\n'), c.fin(0));
    const frames = timed(segs.map((s) => c.frame(s)));
    const last = frames[frames.length - 1].ts;
    // the server's ACK after the hold timeout: the hole (the lost NOOP) is given up, the stream reaches its FIN
    frames.push({ data: c.frame(c.ack(1)), ts: last + 2 });
    frames.push({ data: c.frame(c.send(0, 'QUIT\r\n')[0]), ts: last + 2.001 });
    expect(lost.length).toBe(1);
    const r = run(frames);
    expect(r.totals['released-by-timeout']).toBe(1);
    expect(r.totals['tcp-again']).toBe(1);
  });
});
