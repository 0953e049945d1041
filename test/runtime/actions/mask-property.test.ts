import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LINKTYPE } from '../../../src/fields/fields.js';
import { decodeFrame } from '../../../src/runtime/decode/decode.js';
import { PacketView } from '../../../src/runtime/decode/view.js';
import { requirements } from '../../support/tools.js';
import { artifactFor } from '../support/artifact.js';
import { type Delivered, runArtifactFrames } from './mask-run.js';
import { cardNumbersIn } from './card-numbers.js';
import { badChecksums } from './support.js';
import { Conversation, type Segment, type TimedFrame, writeTimedPcap } from './tcp-traffic.js';

/**
 * The issue's property: no Luhn-valid card number survives in a masking
 * group's reassembled streams, and no credential either, whatever the
 * segmentation: secrets split across segments, segments sent again, swapped,
 * a byte a segment (Telnet, with the server's echo), pauses longer than the
 * hold timeout. Streams are reassembled from what the tool received, by
 * sequence number (every copy of every byte checked), and once by tshark
 * (`-z follow,tcp,raw`). The card check is its own reading of the
 * definition (docs/language.md), not mask's code (card-numbers.ts).
 */
const dir = mkdtempSync(join(tmpdir(), 'tmesc-mask-prop-'));
const tshark = requirements({ tools: ['tshark'] });
const exec = promisify(execFile);

// ---- traffic

const CARDS = ['4111111111111111', '5555 5555 5555 4444', '3782-822463-10005', '6011111111111117', '4222222222222'];
const DECOYS = ['order 41111111111111112222', 'tel +44 20 7946 0958', 'ref 4111 1111 1111 1112', 'id 1234567890'];

/** What a session sends, and where its secrets lie in the client's stream. */
interface Script {
  port: number;
  /** (dir, text, one byte a segment?) in order. */
  turns: [0 | 1, string, boolean][];
  /** Secrets of the client stream (credentials) and of either stream (cards), as text to find. */
  secrets: string[];
  cards: string[];
}

function script(kind: number, secret: string, user: string, card: string, decoy: string): Script {
  switch (kind) {
    case 0:
      return {
        port: 80,
        turns: [
          [
            0,
            `POST /checkout?user=${user} HTTP/1.1\r\nHost: shop\r\nAuthorization: Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\npan=${card}&${decoy.replace(' ', '=')}&password=${secret}\r\n`,
            false,
          ],
          [1, `HTTP/1.1 200 OK\r\n\r\n{"card": "${card}", "note": "${decoy}"}`, false],
        ],
        secrets: [user, secret, Buffer.from(`${user}:${secret}`).toString('base64')],
        cards: [card],
      };
    case 1:
      return {
        port: 21,
        turns: [
          [1, '220 ftp\r\n', false],
          [0, `USER ${user}\r\n`, false],
          [1, '331 ok\r\n', false],
          [0, `PASS ${secret}\r\n`, false],
          [1, `230 in\r\n`, false],
          [0, `STOR ${decoy} ${card}.txt\r\n`, false],
        ],
        secrets: [user, secret],
        cards: [card],
      };
    case 2:
      return {
        port: 23,
        turns: [
          [1, 'Welcome\r\nlogin: ', false],
          [0, `${user}`, true],
          [0, '\r\n', false],
          [1, 'Password: ', false],
          [0, `${secret}\r\n`, true],
          [1, '$ ', false],
          [0, `pay ${card} ${decoy}\r\n`, true],
        ],
        secrets: [user, secret],
        cards: [card],
      };
    default:
      return {
        port: 25,
        turns: [
          [1, '220 mx\r\n', false],
          [0, 'AUTH LOGIN\r\n', false],
          [1, '334 VXNlcm5hbWU6\r\n', false],
          [0, `${Buffer.from(user).toString('base64')}\r\n`, false],
          [1, '334 UGFzc3dvcmQ6\r\n', false],
          [0, `${Buffer.from(secret).toString('base64')}\r\n`, false],
          [1, '235 ok\r\n', false],
          [0, `DATA\r\ncard ${card}, ${decoy}\r\n.\r\n`, false],
        ],
        secrets: [Buffer.from(user).toString('base64'), Buffer.from(secret).toString('base64')],
        cards: [card],
      };
  }
}

interface Plan {
  sessions: { kind: number; secret: string; user: string; card: number; decoy: number }[];
  cuts: number[];
  again: number[];
  swaps: number[];
  pauses: number[];
}

const word = fc.stringMatching(/^[a-z][a-z0-9]{5,11}$/);
const planArb: fc.Arbitrary<Plan> = fc.record({
  sessions: fc.array(
    fc.record({
      kind: fc.integer({ min: 0, max: 3 }),
      secret: word.map((w) => `pw${w}`),
      user: word.map((w) => `u${w}`),
      card: fc.integer({ min: 0, max: CARDS.length - 1 }),
      decoy: fc.integer({ min: 0, max: DECOYS.length - 1 }),
    }),
    { minLength: 1, maxLength: 4 },
  ),
  cuts: fc.array(fc.integer({ min: 1, max: 24 }), { minLength: 1, maxLength: 16 }),
  again: fc.array(fc.integer({ min: 0, max: 400 }), { maxLength: 6 }),
  swaps: fc.array(fc.integer({ min: 0, max: 400 }), { maxLength: 4 }),
  pauses: fc.array(fc.integer({ min: 0, max: 400 }), { maxLength: 3 }),
});

interface Built {
  frames: TimedFrame[];
  scripts: Script[];
}

/** The plan's traffic: each session's segments, interleaved, some sent again or swapped, some after a long pause. */
function build(plan: Plan): Built {
  const perSession: Buffer[][] = [];
  const scripts: Script[] = [];
  let cut = 0;
  plan.sessions.forEach((s, i) => {
    const sc = script(s.kind, s.secret, s.user, CARDS[s.card], DECOYS[s.decoy]);
    scripts.push(sc);
    const c = new Conversation({ clientPort: 41000 + i, serverPort: sc.port, isn: [1000 * (i + 1), 0xffffff00 + i] });
    const segs: Segment[] = [...c.handshake()];
    for (const [d, text, bytewise] of sc.turns) {
      const sizes = bytewise
        ? Array.from({ length: text.length }, () => 1)
        : text.split('').map(() => plan.cuts[cut++ % plan.cuts.length]);
      segs.push(...c.send(d, text, sizes), c.ack(d === 0 ? 1 : 0));
    }
    segs.push(c.fin(0), c.fin(1));
    perSession.push(segs.map((x) => c.frame(x)));
  });
  // interleave round robin
  const order: Buffer[] = [];
  for (let k = 0; perSession.some((p) => k < p.length); k++)
    for (const p of perSession) if (k < p.length) order.push(p[k]);
  for (const a of plan.again)
    if (order.length) order.splice(Math.min(order.length, (a % order.length) + 3), 0, order[a % order.length]);
  for (const w of plan.swaps) {
    const i = w % (order.length - 1);
    [order[i], order[i + 1]] = [order[i + 1], order[i]];
  }
  const pauses = new Set(plan.pauses.map((p) => p % order.length));
  let t = 1_700_000_000;
  const frames = order.map((data, i) => {
    t += pauses.has(i) ? 2.5 : 0.001;
    return { data, ts: t };
  });
  return { frames, scripts };
}

// ---- reassembly of what the tool received

const view = new PacketView();

/** Per (session port pair, direction), stream offset -> every byte delivered there. */
function reassemble(out: Delivered[]): Map<string, Map<number, Set<number>>> {
  const streams = new Map<string, Map<number, Set<number>>>();
  const isn = new Map<string, number>();
  for (const d of out) {
    decodeFrame(view, d.data, d.data.length, d.data.length, LINKTYPE.ETHERNET);
    const k = `${view.srcPort}>${view.dstPort}`;
    if (view.tcpFlags & 0x02) isn.set(k, (view.tcpSeq + 1) >>> 0);
    const base = isn.get(k)!;
    let s = streams.get(k);
    if (!s) streams.set(k, (s = new Map()));
    for (let i = 0; i < view.payloadLength; i++) {
      const o = ((view.tcpSeq - base) >>> 0) + i;
      let set = s.get(o);
      if (!set) s.set(o, (set = new Set()));
      set.add(d.data[view.payloadOffset + i]);
    }
  }
  return streams;
}

/** Every text the stream could be read as: each offset's bytes, where copies differ each way (they should not). */
function readings(s: Map<number, Set<number>>): string[] {
  const max = Math.max(-1, ...s.keys()) + 1;
  const a: number[] = [];
  const b: number[] = [];
  for (let o = 0; o < max; o++) {
    const set = [...(s.get(o) ?? [0])];
    a.push(set[0]);
    b.push(set[set.length - 1]);
  }
  return [Buffer.from(a).toString('latin1'), Buffer.from(b).toString('latin1')];
}

const POLICY = `tap a { source pcap "${dir}/none.pcap" }
group g { tool t { output pcap "${dir}/t.pcap" } mask card-number, credentials }
group plain { tool p { output pcap "${dir}/p.pcap" } }
rule r from a match any to g, plain`;

let artifact: ReturnType<typeof artifactFor> | undefined;

function check(plan: Plan): { out: Delivered[]; built: Built } {
  const built = build(plan);
  const r = runArtifactFrames((artifact ??= artifactFor(dir, POLICY)), built.frames);
  const out = r.out.get('t')!;
  // every packet delivered once, the plain group byte for byte the input
  expect(out.length).toBe(built.frames.length);
  expect(r.out.get('p')!.map((d) => d.data)).toEqual(built.frames.map((f) => f.data));
  const texts = [...reassemble(out).values()].flatMap(readings);
  for (const text of texts) {
    expect(cardNumbersIn(text)).toEqual([]);
    for (const sc of built.scripts) for (const secret of sc.secrets) expect(text).not.toContain(secret);
  }
  // the decoys survive where nothing around them is a secret, unless a pause made the hold give up on them
  const all = texts.join('\n');
  if (plan.pauses.length === 0)
    for (const sc of built.scripts)
      if (sc.port !== 23)
        for (const d of DECOYS) if (sc.turns.some(([, t]) => t.includes(d))) expect(all).toContain(d.split(' ')[1]);
  return { out, built };
}

describe('mask: no card number or credential survives in the reassembled streams', () => {
  it('over generated sessions cut, repeated, swapped and paused at random', () => {
    fc.assert(
      fc.property(planArb, (plan) => {
        check(plan);
      }),
      { numRuns: 60, seed: 20240612 },
    );
  });

  it.skipIf(tshark.skip)('and as tshark reassembles them, with valid checksums', async () => {
    const plan = fc.sample(planArb, { numRuns: 1, seed: 7 })[0];
    plan.sessions = [0, 1, 2, 3].map((kind, i) => ({
      kind,
      secret: `pwsecret${i}`,
      user: `user${i}x`,
      card: i,
      decoy: i,
    }));
    const { out, built } = check(plan);
    const file = join(dir, 'masked.pcap');
    writeTimedPcap(
      file,
      out.map((d) => ({ data: d.data, ts: d.ts })),
    );
    expect(await badChecksums(file)).toBe(0);
    for (let stream = 0; stream < plan.sessions.length; stream++) {
      const { stdout } = await exec('tshark', ['-n', '-r', file, '-q', '-z', `follow,tcp,raw,${stream}`], {
        maxBuffer: 1 << 26,
      });
      const sides = ['', ''];
      for (const line of stdout.split('\n')) {
        const m = /^(\t?)([0-9a-f]+)$/.exec(line);
        if (m) sides[m[1] ? 1 : 0] += Buffer.from(m[2], 'hex').toString('latin1');
      }
      expect(sides[0].length).toBeGreaterThan(0);
      for (const text of sides) {
        expect(cardNumbersIn(text)).toEqual([]);
        for (const sc of built.scripts) for (const secret of sc.secrets) expect(text).not.toContain(secret);
      }
    }
  });
});
