/**
 * mask on every packet path with many sessions at once, and single defects
 * found by the harness (mask-paths-harness.ts), each the smallest session
 * that shows it.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { LINKTYPE } from '../../../src/fields/fields.js';
import {
  check,
  cleanup,
  differential,
  dir,
  interleave,
  oracleFindings,
  type Policy,
  POLICIES,
  session,
  type Session,
  expectSameRuns,
  splitRuns,
  summary,
} from './mask-paths-harness.js';
import { cardNumbersIn, pcapFile, PROTOCOLS, readPcap, Rng } from './mask-paths.js';

afterAll(cleanup);

describe('mask on every packet path, many sessions', () => {
  it('800 sessions at once (addresses whose XOR is the same, ports a step apart; held at once, over the bound a session)', async () => {
    const r = new Rng(4242);
    const sessions: Session[] = [];
    for (let i = 0; i < 800; i++) {
      const s = session(i + 1, r.pick(['http', 'ftp', 'smtp-plain', 'pop3', 'telnet'] as const), r, {
        whole: i % 2 === 0,
      });
      // client 10.h.l.1, server 10.h.l.2 or 10.0.0.2: sessions a hash of XORed words cannot tell apart but by ports
      if (i % 3 !== 0) s.ep.addr[1] = s.ep.addr[0].slice(0, 6) + '02';
      s.ep.ports[0] = 1024 + (i % 3000);
      sessions.push(s);
    }
    const found = await check(
      sessions,
      LINKTYPE.ETHERNET,
      sessions.length,
      ['mask beside other groups'],
      [
        { path: 'generated', loop: true, buffer: 97 },
        { path: 'generated', loop: true, buffer: 65536 },
        { path: 'auto', loop: true, buffer: 65536 },
      ],
    );
    expect(summary([...found.paths, ...found.leaks])).toEqual([]);
    const st = JSON.parse(found.stats.get('mask beside other groups')!) as {
      groups: { actionTotals: Record<string, Record<string, number>> }[];
    };
    // sessions held at once, and Telnet's typing past a session's bound on held packets
    const totals = st.groups[1].actionTotals.mask;
    expect(totals['packets-held']).toBeGreaterThan(1000);
    expect(totals['released-by-bound']).toBeGreaterThan(0);
  });
});

describe('mask on every packet path, group split (the masked group on a worker thread, tmesc run --workers 1)', () => {
  it('workers 0 and 1, decoder and generated path: the same files and counters, nothing leaks', async () => {
    const r = new Rng(31);
    const sessions: Session[] = [];
    for (const variant of ['none', 'retransmit', 'reorder', 'wrap'] as const)
      for (const enc of ['eth', 'v6ext', 'vxlan'] as const)
        for (const proto of PROTOCOLS) sessions.push(session(sessions.length + 1, proto, r, { enc, variant }));
    const file = pcapFile(dir, 'split.pcap', interleave(sessions, LINKTYPE.ETHERNET, 10), LINKTYPE.ETHERNET);
    const pol = POLICIES['mask beside other groups'];
    const runs = await splitRuns(file, pol, 'split');
    expectSameRuns(runs);
    expect(summary(oracleFindings(pol, runs[0].files, sessions))).toEqual([]);
  });
});

describe('mask on every packet path, long segments (the finders over full-size segments)', () => {
  it('card numbers, decoys and long ids at every place of 1,460-byte segments; a password deep in a form', async () => {
    const r = new Rng(1460);
    const sessions: Session[] = [];
    // full-size segments: cut every 1,460 bytes (and at the focus)
    const mss = Array.from({ length: 20 }, (_, k) => (k + 1) * 1460);
    for (let i = 0; i < 12; i++) sessions.push(session(i + 1, 'bulk', r, { whole: true, cuts: [mss, mss] }));
    const sizes = sessions.flatMap((s) => s.segs.map((g) => g.payload.length));
    expect(Math.max(...sizes)).toBe(1460);
    const found = await check(sessions, LINKTYPE.ETHERNET, 3, ['mask only', 'two mask groups']);
    expect(summary([...found.paths, ...found.leaks])).toEqual([]);
  });
});

describe('mask on every packet path, digit noise', () => {
  it('bodies of digit groups and separators at random: every card number the definition finds is masked', async () => {
    const r = new Rng(4111);
    const sessions: Session[] = [];
    for (let i = 0; i < 6; i++) {
      const s = session(i + 1, 'bulk', r, {
        whole: true,
        cuts: [[], Array.from({ length: 12 }, (_, k) => 97 * (k + 1) + r.int(50))],
      });
      // the server's body: digits, spaces, dashes, letters, line breaks (card numbers by chance, in every form)
      let noise = '';
      for (let k = 0; k < 1500; k++) noise += '0123456789012345678901234567890123456789 - -x\r\n'[r.int(46)];
      const body = s.streams[1];
      const at = body.indexOf('\r\n\r\n') + 4;
      const text = body.slice(0, at) + noise + body.slice(at + noise.length);
      s.streams[1] = text;
      for (const g of s.segs)
        if (g.dir === 1 && g.payload.length > 0) {
          const o = (g.seq - s.segs[1].seq - 1) >>> 0;
          g.payload = Buffer.from(text.slice(o, o + g.payload.length), 'latin1');
        }
      // what is planted in the noise's place is gone: only the credential and what is after the noise stay
      s.secrets = s.secrets.filter((x) => x.dir === 0 || x.start >= at + noise.length);
      s.decoys = s.decoys.filter((x) => x.dir === 0 || x.start >= at + noise.length);
      sessions.push(s);
    }
    const found = await check(sessions, LINKTYPE.ETHERNET, 2, ['mask only']);
    expect(summary([...found.paths, ...found.leaks])).toEqual([]);
    // the noise held card numbers (the definition's reading of the input)
    const planted = sessions.flatMap((s) => cardNumbersIn(s.streams[1]));
    expect(planted.length).toBeGreaterThan(20);
  });
});

describe('the oracle itself', () => {
  it('finds every planted secret when the group masks nothing (so its silence above means something)', async () => {
    const r = new Rng(5);
    const sessions = PROTOCOLS.map((p, i) => session(i + 1, p, r, {}));
    const unmasked: Policy = {
      body: `tap t { source pcap "x.pcap" }\ngroup m { tool a { output pcap "a.pcap" } truncate payload 10000 }\nrule r from t match any to m`,
      masked: POLICIES['mask only'].masked,
    };
    const file = pcapFile(dir, 'unmasked.pcap', interleave(sessions, LINKTYPE.ETHERNET, 4), LINKTYPE.ETHERNET);
    const { files } = await differential(unmasked.body, file, [], sessions);
    const leaks = oracleFindings(unmasked, files, sessions);
    for (const s of sessions)
      for (const sec of s.secrets)
        expect(leaks.some((l) => l.startsWith(`${s.name}:`) && l.includes(JSON.stringify(sec.text)))).toBe(true);
    // and the card finder saw the cards in the reassembled streams
    expect(leaks.filter((l) => l.includes('card number')).length).toBeGreaterThanOrEqual(sessions.length);
  });
});

/**
 * Defects the harness found on main (every path: the decoder's too), each the
 * smallest sessions that show it. `it.fails`: passes while the defect is
 * there; flip to `it` once fixed.
 */
describe('mask: defects found (main, every path)', () => {
  // DEFECT: Telnet. The user name typed after `login:` is masked only when each typed byte is read before the
  // server's echo of it: an echo seen ahead of the typing (coalesced echoes; or the two directions from two tap
  // ports, skewed by microseconds) is delivered in clear, so are the echoes after it, and, when two typed bytes
  // come swapped, the typed byte itself (the client's stream, offset 0: sessions #7..#12).
  it("Telnet: the server's echo of the user name ahead of the client's typing is masked", async () => {
    const sessions: Session[] = [];
    const r = new Rng(23);
    // the user name's echo (the script's second secret: the user name in the server's stream), at each offset
    for (const variant of ['overlap', 'reorder'] as const)
      for (let k = 1; k < 7; k++)
        sessions.push(
          session(sessions.length + 1, 'telnet', r, { variant, secret: variant === 'overlap' ? 1 : 0, split: k }),
        );
    const found = await check(sessions, LINKTYPE.ETHERNET, 1, ['mask only']);
    expect(found.paths).toEqual([]);
    expect(summary(found.all)).toEqual([]);
  });

  // Fixed (maskfix, session 10): a retransmission whose bytes differ from the first copy's was masked as the first
  // copy was (the recorded spans), not searched: a card number that only the second copy holds was delivered (TCP
  // stacks differ on which copy they keep; an IDS behind the tap reads both).
  it('a retransmission that carries a card number where the first copy did not', async () => {
    const r = new Rng(77);
    const sessions = PROTOCOLS.filter((p) => p !== 'telnet').map((p, i) => session(i + 1, p, r, { whole: true }));
    const cards: string[] = [];
    for (const s of sessions) {
      const d = s.decoys[0];
      // the decoy with the one last digit that makes it Luhn-valid: a card number of the decoy's shape
      const card = Array.from({ length: 10 }, (_, c) => d.text.slice(0, -1) + c).find(
        (x) => cardNumbersIn(x).length > 0,
      );
      if (card === undefined) continue;
      const k = s.segs.findIndex((g) => g.dir === d.dir && g.payload.includes(Buffer.from(d.text, 'latin1')));
      if (k < 0) continue;
      const again = {
        ...s.segs[k],
        payload: Buffer.from(s.segs[k].payload.toString('latin1').replace(d.text, card), 'latin1'),
      };
      s.segs.splice(k + 2, 0, again);
      cards.push(card);
    }
    expect(cards.length).toBeGreaterThanOrEqual(5);
    const found = await check(sessions, LINKTYPE.ETHERNET, 4, ['mask only']);
    expect(found.paths).toEqual([]);
    const file = found.files.get('mask only')![0];
    const raw = readPcap(file)
      .recs.map((x) => x.toString('latin1'))
      .join('\n');
    expect(cards.filter((c) => raw.includes(c))).toEqual([]);
  });
});
