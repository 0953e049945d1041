/**
 * Round 3 of the outside masking checker (session 12): shapes of traffic
 * that carry a secret to a masking group's tool unmasked where
 * docs/language.md promises it masked, found by reading the stream tracking
 * (tcp-stream.ts, mask.ts, mask-fragments.ts). Each case builds its own
 * capture from the harness's sessions (mask-paths-harness.ts), runs it on
 * every packet path against the decoder's, and reads the tools' files with
 * the harness's own reassembling oracle. `it.fails`: a defect on main (the
 * comment names it and the code responsible); flip to `it` once fixed.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LINKTYPE } from '../../../src/fields/fields.js';
import { fixIpv4HeaderChecksum } from '../../../src/runtime/actions/checksum.js';
import { HOLD_PACKETS_PER_SESSION, HOLD_TIMEOUT } from '../../../src/runtime/actions/mask-bounds.js';
import {
  cleanup,
  differential,
  dir,
  oracleFindings,
  PATHS,
  POLICIES,
  session,
  type Session,
  expectSameRuns,
  splitRuns,
  summary,
} from './mask-paths-harness.js';
import {
  ACK,
  cardNumber,
  type Encap,
  FIN,
  pcapFile,
  PROTOCOLS,
  readPcap,
  type Rec,
  records,
  Rng,
  RST,
  type Script,
  SYN,
} from './mask-paths.js';
import { focusIndex, focusSessions, recsOf, secretsOnly } from './mask-paths-focus.js';
import { tsharkFields } from './support.js';
import { requirements } from '../../support/tools.js';

afterAll(cleanup);

const tshark = requirements({ tools: ['tshark'] });

const ETH = LINKTYPE.ETHERNET;
const ETH_HEADER = 14;

/**
 * Findings but for a card's leading digits, at most six, delivered by a
 * release (docs/language.md: "a run of at most six digits ... is
 * delivered", PCI DSS 3.4's shown part).
 */
const pastShownDigits = (found: string[]) =>
  found.filter((x) => {
    const m = /: card "([^"]*)" byte (\d+) /.exec(x);
    if (m === null) return true;
    const digitsBefore = m[1].slice(0, Number(m[2]) + 1).replace(/\D/g, '').length;
    return digitsBefore > 6;
  });

/**
 * An Ethernet frame whose IPv4 packet (the outer one of a tunnel) is cut
 * into two fragments, the first carrying `first` bytes (a multiple of 8) of
 * its payload, both with identification `id`: what a router on the tunnel's
 * path does to a packet longer than the next link's MTU (DF clear).
 */
function fragmentOuter(frame: Buffer, first: number, id: number): Buffer[] {
  const ip = frame.subarray(ETH_HEADER);
  const hl = (ip[0] & 0x0f) * 4;
  const body = ip.subarray(hl);
  return [body.subarray(0, first), body.subarray(first)].map((b, i) => {
    const h = Buffer.from(ip.subarray(0, hl));
    h.writeUInt16BE(hl + b.length, 2);
    h.writeUInt16BE(id, 4);
    h.writeUInt16BE(i === 0 ? 0x2000 : first / 8, 6);
    fixIpv4HeaderChecksum(h, 0);
    return Buffer.concat([frame.subarray(0, ETH_HEADER), h, b]);
  });
}

/** The capture's leaks and the paths' differences under `policy`: the decoder path's files read by the oracle. */
async function run(name: string, recs: Rec[], sessions: Session[], policy = 'mask only') {
  const file = pcapFile(dir, `${name}.pcap`, recs, ETH);
  const pol = POLICIES[policy];
  const { bad, files } = await differential(pol.body, file, PATHS, sessions);
  return { paths: bad, leaks: oracleFindings(pol, files, sessions, false), files };
}

// ---- 1. a tunnel's outer packet fragmented on the way

/**
 * Sessions in `enc` (GRE, VXLAN), each with one segment at a secret whose
 * outer IPv4 packet a router fragmented: the first fragment ends just after
 * the inner TCP header (and `extra` bytes of payload), the rest of the
 * segment is in the second.
 */
function outerFragmented(enc: Encap, seed: number): { recs: Rec[]; sessions: Session[] } {
  const sessions = focusSessions(new Rng(seed), ['credential', 'card'], undefined, { enc });
  // the outer payload before the inner TCP payload: GRE 4 + IP 20 + TCP 20; UDP 8 + VXLAN 8 + Ethernet 14 + 40
  const lead = enc === 'gre' ? 44 : 70;
  const first = (Math.floor(lead / 8) + 1) * 8;
  const recs = sessions.flatMap((s, i) => {
    const k = focusIndex(s);
    return recsOf(s, i + 1, (g, j) => {
      if (j !== k) return undefined;
      const [rec] = records(g, s.ep, s.enc, ETH, [(i + 1) & 0xffff, ((i + 1) * 7 + 1) & 0xffff]);
      return fragmentOuter(rec.data, first, 0x4000 + i).map((data) => ({ data, wireLen: data.length }));
    });
  });
  return { recs, sessions };
}

describe('mask: a tunnel whose outer packet is fragmented on the way', () => {
  // Was a DEFECT (likely in real captures: GRE, IP-in-IP and IPv6 tunnels whose routers fragment the outer packet, DF
  // clear, the classic tunnel MTU problem): mask-fragments.ts REASSEMBLED has no GRE (nor IPIP, IPv6-in-IP), so
  // FragmentTable.wanted() refuses the outer packet's fragments. The first one goes on as a tunnelled TCP segment cut
  // short (its inner IP length past the fragment: a gap, masked as at a snap cut); the second, carrying the rest of
  // the segment, is no TCP, GRE is not in mask.ts PER_PACKET: counted `not-scanned` and delivered in clear. A
  // password, card number or token in it reaches the tool whole. docs/language.md says only "Fragments of other
  // protocols (a tunnel's outer packet, ESP) are not reassembled", and promises a secret in a tunnel masked.
  // Fixed (smallfix, session 12: the outer datagram is reassembled and what the tunnel carries masked whole; the
  // inner stream sees a gap there, so a card begun before it may show its leading digits, at most six, as at any
  // release).
  it("GRE: the rest of a segment in the outer packet's second fragment is masked", async () => {
    const { recs, sessions } = outerFragmented('gre', 1201);
    const f = await run('outer-gre', recs, sessions);
    expect(summary(f.paths)).toEqual([]);
    expect(summary(pastShownDigits(secretsOnly(f.leaks)))).toEqual([]);
  });

  it('GRE: the paths agree, with the group stripping the tunnel too (strip passes fragments of a tunnel unchanged)', async () => {
    const { recs, sessions } = outerFragmented('gre', 1201);
    const f = await run('outer-gre-strip', recs, sessions, 'mask after strip');
    expect(summary(f.paths)).toEqual([]);
    // the same leak as above, after strip
    expect(f.leaks.length).toBeGreaterThan(0);
  });

  // No leak, but more masked than needed: the first outer fragment's inner packet is decoded (fragmentView() takes
  // the inner view, no fragment), so it goes the TCP way as a segment cut short; the second waits in the
  // FragmentTable for a first fragment that never comes, and at the timeout leaves with its whole payload masked
  // (`undecided-fragment`): the decoys in it too. Secrets only here.
  it("VXLAN: the rest of a segment in the outer packet's second fragment is masked (masked whole)", async () => {
    const { recs, sessions } = outerFragmented('vxlan', 1202);
    const f = await run('outer-vxlan', recs, sessions);
    expect(summary(f.paths)).toEqual([]);
    expect(summary(pastShownDigits(secretsOnly(f.leaks)))).toEqual([]);
  });
});

// ---- 2. a segment far ahead of the stream (outside the receiver's window)

describe("mask: a segment far outside the receiver's window", () => {
  /**
   * Before the segment at the focus, one whose sequence number is 200,000
   * bytes ahead (past any window: a receiver drops it, RFC 9293 3.10.7.4);
   * the sender pauses past the hold timeout before the focus (`pause`).
   */
  function farAhead(seed: number, bogus: boolean): { recs: Rec[]; sessions: Session[] } {
    const sessions = focusSessions(new Rng(seed), ['credential', 'card'], (s, k) => {
      const g = s.segs[k];
      s.segs[k] = { ...g, delay: HOLD_TIMEOUT + 1 };
      if (bogus) s.segs.splice(k, 0, { ...g, seq: (g.seq + 200_000) >>> 0, payload: Buffer.from('zzzzzzzz') });
    });
    return { recs: sessions.flatMap((s, i) => recsOf(s, i + 1)), sessions };
  }

  it('control: the pause alone leaks nothing', async () => {
    const { recs, sessions } = farAhead(1203, false);
    const f = await run('far-control', recs, sessions);
    expect(summary(f.paths)).toEqual([]);
    expect(summary(f.leaks)).toEqual([]);
  });

  // FIXED (windowfix: tcp-stream.ts takes a segment past the bytes seen and past the receiver's advertised window as
  // `outside`, searched alone, moving nothing). Was (an evader's; also a stray segment of an older connection on the
  // same ports, whose numbers fall ahead): mask.ts tcp() held a segment far ahead of the stream as beyond a gap
  // (Seg.Ahead) and the stream's packets queue behind it; at the hold timeout (or 64 packets held: the per-session bound, no pause needed) force() ->
  // flushAhead() -> gap() gives up the "gap" and moves md.next 200,000 bytes ahead. Every real segment after is
  // then behind md.next (Seg.Again), searched alone (searchAlone): the rest of a password after its command, a
  // card number's digits after the 7th, a token's tail, delivered. A receiver drops the segment (outside its
  // window, RFC 9293 3.10.7.4) and reads the rest in sequence. tcp-stream.ts also takes its end as the highest
  // offset seen (saw()).
  it('a segment 200,000 bytes ahead, then the rest of the secret after the hold timeout', async () => {
    const { recs, sessions } = farAhead(1203, true);
    const f = await run('far-ahead', recs, sessions);
    expect(summary(f.paths)).toEqual([]);
    expect(summary(f.leaks)).toEqual([]);
  });

  // The same with no pause: the session's packets queue behind the segment ahead until the per-session bound
  // (HOLD_PACKETS_PER_SESSION) releases them, giving the "gap" up; an FTP login 70 commands later.
  function ftpFarAhead(bogus: boolean) {
    const r = new Rng(1214);
    const pw = `P${r.word(11)}`;
    const card = cardNumber(r);
    const sc: Script = {
      port: 21,
      turns: [
        { dir: 1, text: '220 ftp ready\r\n' },
        ...Array.from({ length: HOLD_PACKETS_PER_SESSION + 6 }, (_, k) => [
          { dir: 0 as const, text: `NOOP ${k}\r\n` },
          { dir: 1 as const, text: '200 ok\r\n' },
        ]).flat(),
        { dir: 0, text: 'USER bob\r\n' },
        { dir: 1, text: '331 need password\r\n' },
        { dir: 0, text: `PASS ${pw}\r\n` },
        { dir: 1, text: '230 in\r\n' },
        { dir: 0, text: `SITE PAN ${card}\r\n` },
        { dir: 1, text: '200 ok\r\n' },
      ],
      creds: [pw],
      cards: [card],
      decoys: [],
      tokens: [],
    };
    const sessions = [0, 1].map((k) => {
      const s = session(k + 1, 'bulk', r, { script: sc, secret: k, whole: true, split: k === 0 ? 4 : 9 });
      // the stray segment: after the client's first command
      const first = s.segs.findIndex((g) => g.dir === 0 && g.payload.length > 0);
      const g = s.segs[first];
      if (bogus) s.segs.splice(first + 1, 0, { ...g, seq: (g.seq + 200_000) >>> 0, payload: Buffer.from('zzzzzzzz') });
      return s;
    });
    return run(
      `far-ahead-bound-${bogus}`,
      sessions.flatMap((s, i) => recsOf(s, i + 1)),
      sessions,
    );
  }

  it('control: the FTP session without the segment ahead leaks nothing', async () => {
    const f = await ftpFarAhead(false);
    expect(summary(f.paths)).toEqual([]);
    expect(summary(f.leaks)).toEqual([]);
  });

  it('a segment 200,000 bytes ahead early in an FTP session, the login after the hold bound', async () => {
    const f = await ftpFarAhead(true);
    expect(summary(f.paths)).toEqual([]);
    expect(summary(f.leaks)).toEqual([]);
  });
});

// ---- 2b. a stray RST, then a SYN anew

describe('mask: an RST outside the window, then a SYN with another sequence number, inside a secret', () => {
  // FIXED (windowfix: only an RST at the next byte expected counts, RFC 5961 3.2). Was (an evader's):
  // tcp-stream.ts ended() took any RST (d.reset, set whatever its sequence number) for the
  // session's end, so the SYN after it starts the session over at once, without the SYN-ACK that the syn-anew fix
  // waits for. A receiver ignores both (RFC 5961 3.2: an RST not at the next byte expected is answered with a
  // challenge ACK; 4: so is a SYN) and reads the rest of the secret in the old numbers; mask reads it in the new
  // session's, far off: searched alone (or beyond a gap), the rest of the secret delivered.
  it('the rest of the secret, in the old numbers, is masked', async () => {
    const sessions = focusSessions(new Rng(1215), ['credential', 'card'], (s, k) => {
      const g = s.segs[k];
      s.segs.splice(
        k,
        0,
        { dir: g.dir, seq: (g.seq + 0x4000_0000) >>> 0, ack: g.ack, flags: RST, payload: Buffer.alloc(0) },
        { dir: g.dir, seq: (g.seq + 0x1234_5678) >>> 0, ack: 0, flags: SYN, payload: Buffer.alloc(0) },
      );
    });
    const f = await run(
      'rst-then-syn',
      sessions.flatMap((s, i) => recsOf(s, i + 1)),
      sessions,
    );
    expect(summary(f.paths)).toEqual([]);
    expect(summary(f.leaks)).toEqual([]);
  });
});

// ---- 2c. a FIN in sequence that the receiver never gets

describe('mask: a FIN in sequence inside a secret that the receiver never gets, then the rest of the secret', () => {
  // FIXED (windowfix: a FIN ends a direction once the other side acknowledges it; bytes after an unacknowledged
  // one undo it). Was (an evader's: the FIN's TTL runs out between the tap and the receiver, or its checksum is wrong): a FIN at
  // the next byte ends the direction at once (tcp-stream.ts sets finAt, mask.ts checkEnd() -> endDirection(): the
  // scanners end, a card's first digits decided as no card), and every later segment of the direction is searched
  // alone (md.ended -> Seg.Again): the rest of a password after its command, a card number in two halves, delivered.
  // The harness's fin-end stops the session at the FIN; stale-fin's fix covers a FIN behind the stream, not one at
  // its end. docs/language.md's known leaks name a copy with other bytes, not a FIN.
  it('the rest of the secret after the FIN is masked', async () => {
    const sessions = focusSessions(new Rng(1216), ['credential', 'card'], (s, k) => {
      const g = s.segs[k];
      s.segs.splice(k, 0, { dir: g.dir, seq: g.seq, ack: g.ack, flags: FIN | ACK, payload: Buffer.alloc(0) });
    });
    const f = await run(
      'fin-not-received',
      sessions.flatMap((s, i) => recsOf(s, i + 1)),
      sessions,
    );
    expect(summary(f.paths)).toEqual([]);
    expect(summary(f.leaks)).toEqual([]);
  });
});

// ---- 3. two sessions with the same addresses and ports on two VLANs

/** The records of a pcap file whose first VLAN tag is `id`, as a pcap file of their own. */
function onlyVlan(file: Buffer, id: number): Buffer {
  const { recs } = readPcap(file);
  const keep = recs.filter((d) => d.readUInt16BE(12) === 0x8100 && (d.readUInt16BE(14) & 0x0fff) === id);
  const head = Buffer.from(file.subarray(0, 24));
  return Buffer.concat([
    head,
    ...keep.flatMap((d) => {
      const h = Buffer.alloc(16);
      h.writeUInt32LE(d.length, 8);
      h.writeUInt32LE(d.length, 12);
      return [h, d];
    }),
  ]);
}

describe('mask: one address and port pair on two VLANs at once (overlapping address spaces)', () => {
  // DEFECT (in captures of trunks carrying overlapping address spaces: VRFs, tenants, NATed sites; two clients on
  // the same private address picking the same port to the same server): tcp-stream.ts keys a session by addresses,
  // ports and tunnel, not by VLAN (readTuple, findWalked), so the two are one session: the second's SYN is put off,
  // its SYN-ACK restarts the session (pendingSyn), and each one's segments then land at the other's offsets:
  // gaps given up, retransmissions searched alone (searchAlone), the rest of passwords and tokens delivered.
  // docs/language.md says nothing of VLANs in a session (design: "the tap is not part of it").
  it('two sessions, one a VLAN, same addresses and ports, their segments interleaved', async () => {
    const r = new Rng(1204);
    const pairs: [Session, Session][] = [];
    for (const p of PROTOCOLS) {
      if (p === 'telnet') continue;
      const i = pairs.length + 1;
      pairs.push([session(i, p, r, { enc: 'vlan' }), session(i, p, r, { enc: 'vlan' })]);
    }
    const recs: Rec[] = [];
    pairs.forEach(([a, b], i) => {
      const ra = recsOf(a, i + 1);
      // the second session's frames on VLAN 8 (the harness's VLAN is 7)
      const rb = recsOf(b, i + 1).map((x) => {
        const d = Buffer.from(x.data);
        d.writeUInt16BE(8, 14);
        return { ...x, data: d };
      });
      for (let k = 0; k < Math.max(ra.length, rb.length); k++) {
        if (k < ra.length) recs.push(ra[k]);
        if (k < rb.length) recs.push(rb[k]);
      }
    });
    const pol = POLICIES['mask only'];
    const file = pcapFile(dir, 'two-vlans.pcap', recs, ETH);
    const { bad, files } = await differential(pol.body, file, PATHS, pairs.flat());
    expect(summary(bad)).toEqual([]);
    // the oracle per VLAN: each session's own stream
    const leaks = [
      ...oracleFindings(
        pol,
        [onlyVlan(files[0], 7)],
        pairs.map(([a]) => a),
        false,
      ),
      ...oracleFindings(
        pol,
        [onlyVlan(files[0], 8)],
        pairs.map(([, b]) => b),
        false,
      ),
    ];
    expect(summary(leaks)).toEqual([]);
  });
});

describe('mask: one session tapped on both sides of a firewall that randomises sequence numbers (two VLANs)', () => {
  // DEFECT (likely wherever a SPAN takes both VLANs of a firewall: Cisco ASA randomises TCP initial sequence
  // numbers by default, and without NAT the addresses and ports stay): the copy on the outside VLAN is the same
  // session to tcp-stream.ts (no VLAN in its key) with the client's sequence numbers shifted by a constant. Its
  // SYN starts the session over (ended(): nothing sent yet), and from there one copy's segments are far from the
  // other's offsets: gaps given up, segments searched alone, secrets split across segments delivered.
  it("the inside copy on VLAN 7, the outside copy on VLAN 8 with the client's numbers moved", async () => {
    const r = new Rng(1211);
    const delta = 0x3a5c_0f11;
    const sessions: Session[] = [];
    const recs: Rec[] = [];
    PROTOCOLS.forEach((p, i) => {
      const a = session(i + 1, p, r, { enc: 'vlan' });
      // the outside copy: the client's sequence numbers (and the server's acknowledgements of them) moved by delta
      const b: Session = {
        ...a,
        segs: a.segs.map((g) =>
          g.dir === 0 ? { ...g, seq: (g.seq + delta) >>> 0 } : { ...g, ack: g.ack === 0 ? 0 : (g.ack + delta) >>> 0 },
        ),
      };
      sessions.push(a, b);
      const ra = recsOf(a, i + 1);
      const rb = recsOf(b, i + 1).map((x) => {
        const d = Buffer.from(x.data);
        d.writeUInt16BE(8, 14);
        return { ...x, data: d };
      });
      // each packet inside, then outside
      ra.forEach((x, k) => recs.push(x, rb[k]));
    });
    const pol = POLICIES['mask only'];
    const file = pcapFile(dir, 'firewall-sides.pcap', recs, ETH);
    const { bad, files } = await differential(pol.body, file, PATHS, sessions);
    expect(summary(bad)).toEqual([]);
    // the oracle per VLAN: each copy's own streams
    const leaks = [
      ...oracleFindings(
        pol,
        [onlyVlan(files[0], 7)],
        sessions.filter((_, k) => k % 2 === 0),
        false,
      ),
      ...oracleFindings(
        pol,
        [onlyVlan(files[0], 8)],
        sessions.filter((_, k) => k % 2 === 1),
        false,
      ),
    ];
    expect(summary(leaks)).toEqual([]);
  });
});

// ---- 4. GTP-U: each direction under the TEID its receiver chose

/** Where a GTP-U frame's TEID lies (Ethernet, outer IPv4 without options, UDP, the GTP header's fifth byte). */
const TEID_AT = ETH_HEADER + 20 + 8 + 4;

/** Every protocol in GTP-U; `same`: one TEID both ways, else the server's side under another. */
function gtpSessions(same: boolean): { recs: Rec[]; sessions: Session[] } {
  const r = new Rng(1205);
  const sessions = PROTOCOLS.map((p, i) => session(i + 1, p, r, { enc: 'gtp' }));
  const recs = sessions.flatMap((s, i) =>
    s.segs.flatMap((g) =>
      records(g, s.ep, s.enc, ETH, [(i + 1) & 0xffff, ((i + 1) * 7 + 1) & 0xffff]).map((x) => {
        const d = Buffer.from(x.data);
        // uplink (the client's) under the core's TEID, downlink under the radio side's
        d.writeUInt32BE(g.dir === 0 || same ? 0x1000 + i : 0x2000 + i, TEID_AT);
        return { ...x, data: d };
      }),
    ),
  );
  return { recs, sessions };
}

describe('mask: GTP-U sessions, each direction under its own TEID (as every GTP-U user plane has it)', () => {
  const teids = (same: boolean, policy = 'mask only') => {
    const { recs, sessions } = gtpSessions(same);
    return run(`gtp-teids-${same}-${policy.length}`, recs, sessions, policy);
  };

  it('control: one TEID both ways, nothing leaks', async () => {
    const f = await teids(true);
    expect(summary(f.paths)).toEqual([]);
    expect(summary(f.leaks)).toEqual([]);
  });

  it('a workaround: a group that strips the tunnel (strip all) sees one session, nothing leaks', async () => {
    const f = await teids(false, 'mask after strip');
    expect(summary(f.paths)).toEqual([]);
    expect(summary(f.leaks)).toEqual([]);
  });

  // DEFECT (every GTP-U capture with Telnet in it: IoT devices on cellular links): tcp-stream.ts readTuple() keys a
  // tunnelled session by the outer view's tunnelId, a GTP-U TEID, which the receiving end chooses, so the uplink
  // and the downlink carry different TEIDs (so do L2TP's tunnel and session ids and PPTP's GRE call id: 4b): each
  // direction is a session of its own whose other side is never seen. Telnet's answers are recognised only after
  // the server's prompt: the user name and password typed are delivered in clear (as below, with one side seen).
  // (SMTP's decoys masked: docs/language.md's "at most 8 lines when the server is not seen": no leak, left out.)
  it('every protocol: the server side under another TEID than the client side', async () => {
    const f = await teids(false);
    expect(summary(f.paths)).toEqual([]);
    expect(summary(secretsOnly(f.leaks))).toEqual([]);
  });
});

// ---- 4b. L2TP and PPTP: each direction under the id its receiver chose

/**
 * Where each direction's id lies (Ethernet, outer IPv4 without options): L2TPv2's tunnel and session ids after UDP
 * and the flags (the session id is tmesc's tunnel id), PPTP's call id after GRE's flags, protocol and payload length.
 */
const L2TP_TUNNEL_AT = ETH_HEADER + 20 + 8 + 2;
const L2TP_SESSION_AT = L2TP_TUNNEL_AT + 2;
const UDP_CHECKSUM_AT = ETH_HEADER + 20 + 6;
const PPTP_CALL_AT = ETH_HEADER + 20 + 6;

/**
 * Each direction of `sessions` in `enc` (L2TP, PPTP) under its own ids, as both carry them: the ids in a packet are
 * the ones its receiver gave out (RFC 2661 3.1, RFC 2637 4.1), so the two directions of one call differ; `same`: one
 * id both ways (a control).
 */
function pppTunnelRecs(enc: 'l2tp' | 'pptp', sessions: Session[], same: boolean): Rec[] {
  return sessions.flatMap((s, i) =>
    s.segs.flatMap((g) =>
      records(g, s.ep, s.enc, ETH, [(i + 1) & 0xffff, ((i + 1) * 7 + 1) & 0xffff]).map((x) => {
        const d = Buffer.from(x.data);
        const id = g.dir === 0 || same ? 0x1000 + i : 0x2000 + i;
        if (enc === 'l2tp') {
          d.writeUInt16BE(id ^ 0x0100, L2TP_TUNNEL_AT);
          d.writeUInt16BE(id, L2TP_SESSION_AT);
          // the ids moved: no UDP checksum (IPv4 allows none) rather than a wrong one
          d.writeUInt16BE(0, UDP_CHECKSUM_AT);
        } else d.writeUInt16BE(id, PPTP_CALL_AT);
        return { ...x, data: d };
      }),
    ),
  );
}

/** The inner TCP payloads tshark reads in a capture (its own L2TP/PPTP and PPP decoding): per TCP stream, in order. */
async function tsharkStreams(file: string): Promise<{ protocols: string[]; streams: Map<string, string> }> {
  const rows = await tsharkFields(file, ['frame.protocols', 'tcp.stream', 'tcp.srcport', 'tcp.seq', 'tcp.payload']);
  const parts = new Map<string, Map<number, string>>();
  for (const [, stream, port, seq, payload] of rows) {
    if (payload === undefined || payload === '') continue;
    const k = `${stream}:${port}`;
    const m = parts.get(k) ?? parts.set(k, new Map()).get(k)!;
    m.set(Number(seq), Buffer.from(payload.replace(/:/g, ''), 'hex').toString('latin1'));
  }
  const streams = new Map<string, string>();
  for (const [k, m] of parts)
    streams.set(
      k,
      [...m.entries()]
        .sort((a, b) => a[0] - b[0])
        .map((e) => e[1])
        .join(''),
    );
  return { protocols: rows.map((r) => r[0]), streams };
}

describe.each(['l2tp', 'pptp'] as const)('mask: %s sessions, each direction under its own id', (enc) => {
  const tunnelRun = async (name: string, sessions: Session[], same: boolean, policy = 'mask only') =>
    run(`${enc}-${name}-${same}-${policy.length}`, pppTunnelRecs(enc, sessions, same), sessions, policy);
  const every = (seed: number) => PROTOCOLS.map((p, i) => session(i + 1, p, new Rng(seed + i), { enc }));

  it('control: one id both ways, nothing leaks', async () => {
    const f = await tunnelRun('every', every(1230), true);
    expect(summary(f.paths)).toEqual([]);
    expect(summary(f.leaks)).toEqual([]);
  });

  it('every protocol: the server side under other ids than the client side', async () => {
    const f = await tunnelRun('every', every(1230), false);
    expect(summary(f.paths)).toEqual([]);
    // (SMTP's decoys masked: "at most 8 lines when the server is not seen", as for GTP-U above; no leak)
    expect(summary(secretsOnly(f.leaks))).toEqual([]);
  });

  it.skipIf(tshark.skip)(
    `a login split across segments in each protocol, both directions masked; tshark reads no secret${tshark.note}`,
    async () => {
      const sessions = focusSessions(new Rng(1231), ['credential', 'card'], undefined, { enc });
      // the check can fail: secrets in both directions
      expect(new Set(sessions.flatMap((s) => s.secrets.map((x) => x.dir)))).toEqual(new Set([0, 1]));
      const f = await tunnelRun('split', sessions, false);
      expect(summary(f.paths)).toEqual([]);
      expect(summary(pastShownDigits(secretsOnly(f.leaks)))).toEqual([]);
      // tshark decodes the tunnel itself: every frame of the input and of the tool's file is TCP in PPP in it
      const input = join(dir, `${enc}-split-false-9.pcap`);
      const output = join(dir, `${enc}-split-tool.pcap`);
      writeFileSync(output, f.files[0]);
      const [ins, outs] = [await tsharkStreams(input), await tsharkStreams(output)];
      const path = enc === 'l2tp' ? /:udp:l2tp:ppp:ip:tcp/ : /:gre:ppp:ip:tcp/;
      for (const p of [...ins.protocols, ...outs.protocols]) expect(p).toMatch(path);
      expect(outs.protocols.length).toBe(ins.protocols.length);
      // the secrets are in tshark's reading of the input, and none is in its reading of the output
      const text = (m: Map<string, string>) => [...m.values()].join('\n');
      const credentials = sessions.flatMap((s) => s.secrets.filter((x) => x.kind === 'credential').map((x) => x.text));
      expect(credentials.length).toBeGreaterThan(5);
      for (const c of credentials) {
        expect(text(ins.streams)).toContain(c);
        expect(text(outs.streams)).not.toContain(c);
      }
    },
  );
});

// ---- 5. a tap that sees one direction only (asymmetric routing)

describe("mask: a capture of the client's side only (the server's packets take another path)", () => {
  // DEFECT (asymmetric routing: a tap on one path of two sees one direction; common at Internet edges): a Telnet
  // client's login is delivered in clear. credentials/telnet.ts masks an answer only after a prompt, and mask.ts
  // answersTo() returns -Infinity while the other direction is unknown (no packet of it seen), so mustWait() never
  // holds the typing and no line is guessed (PROMPT_GUESSED needs bytes acknowledged and not read). SASL has a
  // bound for this ("at most 8 lines when the server is not seen"); Telnet has none. docs/language.md's Telnet row
  // promises the client's line masked as a password's when its prompt's bytes "do not come".
  it('every protocol: the secrets the client sends', async () => {
    const r = new Rng(1206);
    const sessions = PROTOCOLS.map((p, i) => {
      const s = session(i + 1, p, r, {});
      // the oracle reads the client's side only: the server's secrets and decoys never reach the tap
      return {
        ...s,
        segs: s.segs.filter((g) => g.dir === 0),
        secrets: s.secrets.filter((x) => x.dir === 0),
        decoys: s.decoys.filter((x) => x.dir === 0),
      };
    });
    const f = await run(
      'one-way',
      sessions.flatMap((s, i) => recsOf(s, i + 1)),
      sessions,
    );
    expect(summary(f.paths)).toEqual([]);
    // (SMTP's decoys masked: the 8-line bound, as documented; no leak)
    expect(summary(secretsOnly(f.leaks))).toEqual([]);
  });

  // The same defect when the server's side does come, but seconds after the client's (two tap ports merged, one
  // capturing host's clock behind, or its packets buffered): the client's typing is read before any server packet,
  // while the other direction is unknown, and is never held for its prompt.
  it("Telnet: the server's side seen 3 s after the client's (two tap ports, one clock behind)", async () => {
    const r = new Rng(1212);
    const sessions = [session(1, 'telnet', r, {}), session(2, 'telnet', r, {})];
    const recs = sessions.flatMap((s, i) => {
      const mine = recsOf({ ...s, segs: s.segs.filter((g) => g.dir === 0) }, i + 1);
      const theirs = recsOf({ ...s, segs: s.segs.filter((g) => g.dir === 1) }, i + 1);
      return [...mine, { ...theirs[0], delay: 3 }, ...theirs.slice(1)];
    });
    const f = await run('skewed-taps', recs, sessions);
    expect(summary(f.paths)).toEqual([]);
    expect(summary(f.leaks)).toEqual([]);
  });

  it("the server's side only: the Telnet server's echo of the user name is masked, nothing else leaks", async () => {
    const r = new Rng(1213);
    const sessions = PROTOCOLS.map((p, i) => {
      const s = session(i + 1, p, r, {});
      return {
        ...s,
        segs: s.segs.filter((g) => g.dir === 1),
        secrets: s.secrets.filter((x) => x.dir === 1),
        decoys: s.decoys.filter((x) => x.dir === 1),
      };
    });
    const f = await run(
      'other-way',
      sessions.flatMap((s, i) => recsOf(s, i + 1)),
      sessions,
    );
    expect(summary(f.paths)).toEqual([]);
    expect(summary(f.leaks)).toEqual([]);
    // the check can fail: the Telnet session's server side carries the user name's echo
    expect(sessions[PROTOCOLS.indexOf('telnet')].secrets.length).toBeGreaterThan(0);
  });
});

// ---- 6. a copy whose IP length claims more than it carries

describe('mask: a segment whose IPv4 total length runs past its frame (not cut by the capture: the length lies)', () => {
  // FIXED (windowfix: readTcpSegment() bounds the IP length by the frame's length on the wire). Was (an evader's):
  // tcp-stream.ts readTcpSegment() took the segment's length on the wire from the IP total
  // length even where the capture kept the whole frame (the length lies: the decoder marks it malformed, and a
  // receiver's IP drops it); mask.ts feed() takes the missing 1,000 bytes for a gap (as at a snap cut) and moves
  // md.next past them, so the real segments that follow are behind it, searched alone: the rest of every secret
  // split there delivered. (A snap cut, with the pcap's original length saying so, is the case gap() is for.)
  it("a copy of the segment at a secret's start claiming 1,000 bytes more, then the real segments", async () => {
    const sessions = focusSessions(new Rng(1207), ['credential', 'card', 'pattern']);
    const recs = sessions.flatMap((s, i) => {
      const k = focusIndex(s);
      let before = k - 1;
      while (!(s.segs[before].dir === s.focus.dir && s.segs[before].payload.length > 0)) before--;
      const ids: [number, number] = [(i + 1) & 0xffff, ((i + 1) * 7 + 1) & 0xffff];
      return recsOf(s, i + 1, (g, j) => {
        if (j !== before) return undefined;
        const real = records(g, s.ep, s.enc, ETH, ids);
        // the liar: the same frame, its IP total length 1,000 more (a receiver's IP layer drops it: RFC 1122 3.2.1.2
        // leaves no way to read bytes that are not there), captured whole
        const d = Buffer.from(real[0].data);
        d.writeUInt16BE(d.readUInt16BE(ETH_HEADER + 2) + 1000, ETH_HEADER + 2);
        fixIpv4HeaderChecksum(d, ETH_HEADER);
        return [{ data: d, wireLen: d.length }, ...real];
      });
    });
    const f = await run('ip-length-lies', recs, sessions);
    expect(summary(f.paths)).toEqual([]);
    expect(summary(f.leaks)).toEqual([]);
  });
});

// ---- 7. IPv4 AH (transport mode: authenticated, not encrypted)

const AH_LENGTH = 24;

/** An Ethernet frame's IPv4 packet with an AH header (next header TCP, a 12-byte ICV) before its transport header. */
function withAh(frame: Buffer, spi: number): Buffer {
  const ip = frame.subarray(ETH_HEADER);
  const hl = (ip[0] & 0x0f) * 4;
  const ah = Buffer.alloc(AH_LENGTH);
  ah[0] = ip[9];
  ah[1] = AH_LENGTH / 4 - 2;
  ah.writeUInt32BE(spi, 4);
  ah.writeUInt32BE(1, 8);
  const h = Buffer.from(ip.subarray(0, hl));
  h[9] = 51;
  h.writeUInt16BE(ip.length + AH_LENGTH, 2);
  fixIpv4HeaderChecksum(h, 0);
  return Buffer.concat([frame.subarray(0, ETH_HEADER), h, ah, ip.subarray(hl)]);
}

/** A pcap file with every frame's IPv4 AH header taken out (the oracle reads no AH): what the receiver's TCP reads. */
function withoutAh(file: Buffer): Buffer {
  const { recs } = readPcap(file);
  return Buffer.concat([
    file.subarray(0, 24),
    ...recs.flatMap((d) => {
      let f = d;
      if (d.readUInt16BE(12) === 0x0800 && d[ETH_HEADER + 9] === 51) {
        const hl = (d[ETH_HEADER] & 0x0f) * 4;
        const at = ETH_HEADER + hl;
        const h = Buffer.from(d.subarray(ETH_HEADER, at));
        h[9] = d[at];
        h.writeUInt16BE(d.readUInt16BE(ETH_HEADER + 2) - AH_LENGTH, 2);
        f = Buffer.concat([d.subarray(0, ETH_HEADER), h, d.subarray(at + AH_LENGTH)]);
      }
      const x = Buffer.alloc(16);
      x.writeUInt32LE(f.length, 8);
      x.writeUInt32LE(f.length, 12);
      return [x, f];
    }),
  ]);
}

describe('mask: TCP in IPv4 behind an AH header (IPsec transport mode, authentication only)', () => {
  // DEFECT (rare in real captures: AH transport mode is old IPsec's authentication-only policy): decode/ipv4.ts
  // (decodeIpPayload) does not walk AH, as decode/ipv6.ts does: the packet's protocol is AH, not TCP, so mask
  // counts it `not-scanned` and delivers it as captured, though AH encrypts nothing: every secret in clear.
  // docs/language.md names ESP among the protocols not searched, not AH.
  it('every protocol: its secrets masked as without AH', async () => {
    const r = new Rng(1208);
    const sessions = PROTOCOLS.map((p, i) => session(i + 1, p, r, {}));
    const recs = sessions.flatMap((s, i) =>
      recsOf(s, i + 1).map((x) => {
        const data = withAh(x.data, 0x100 + i);
        return { ...x, data, wireLen: data.length };
      }),
    );
    const file = pcapFile(dir, 'ah.pcap', recs, ETH);
    const pol = POLICIES['mask only'];
    const { bad, files } = await differential(pol.body, file, PATHS, sessions);
    expect(summary(bad)).toEqual([]);
    // the oracle reads what the receiver's TCP gets (the AH header taken out); it would find nothing at all in AH
    expect(summary(oracleFindings(pol, [withoutAh(files[0])], sessions, false))).toEqual([]);
  });
});

// ---- 8. an Ethernet pseudowire over MPLS (EoMPLS, VPLS: the customer's frames in a carrier's labels)

/** An Ethernet frame carried in an MPLS pseudowire: a label (bottom of stack), the control word, the frame. */
function inPseudowire(frame: Buffer): Buffer {
  const label = Buffer.alloc(4);
  label.writeUInt32BE((300 << 12) | 0x100 | 64);
  return Buffer.concat([frame.subarray(0, 12), Buffer.from([0x88, 0x47]), label, Buffer.alloc(4), frame]);
}

/** A pcap file of pseudowire frames, each as the frame it carries (the oracle reads no pseudowire). */
function outOfPseudowire(file: Buffer): Buffer {
  const { recs } = readPcap(file);
  return Buffer.concat([
    file.subarray(0, 24),
    ...recs.flatMap((d) => {
      const f = d.readUInt16BE(12) === 0x8847 ? d.subarray(ETH_HEADER + 8) : d;
      const x = Buffer.alloc(16);
      x.writeUInt32LE(f.length, 8);
      x.writeUInt32LE(f.length, 12);
      return [x, f];
    }),
  ]);
}

describe('mask: TCP in an Ethernet pseudowire over MPLS (with the control word)', () => {
  // DEFECT (carrier captures: EoMPLS, VPLS; the control word is the usual framing): decode/mpls.ts reads the byte
  // after the bottom label as IP only when its first nibble is 4 or 6 (libpcap's rule); a pseudowire's control word
  // (nibble 0) and Ethernet frame are left undecoded, so mask counts the frame `not-ip` (no warning) and delivers
  // it as captured: every secret in clear. docs/language.md: "Inside a tunnel the group does not strip, the
  // innermost packet's payload is searched"; `not-ip` is described as "a frame with no IP packet: LLDP, ...".
  it('every protocol: its secrets masked as in the frame alone', async () => {
    const r = new Rng(1209);
    const sessions = PROTOCOLS.map((p, i) => session(i + 1, p, r, {}));
    const recs = sessions.flatMap((s, i) =>
      recsOf(s, i + 1).map((x) => {
        const data = inPseudowire(x.data);
        return { ...x, data, wireLen: data.length };
      }),
    );
    const file = pcapFile(dir, 'pseudowire.pcap', recs, ETH);
    const pol = POLICIES['mask only'];
    const { bad, files } = await differential(pol.body, file, PATHS, sessions);
    expect(summary(bad)).toEqual([]);
    expect(summary(oracleFindings(pol, [outOfPseudowire(files[0])], sessions, false))).toEqual([]);
  });
});

// ---- 9. HTTP/2 in clear (h2c: gRPC inside a cluster), its authorization header in HPACK

describe('mask: an HTTP/2 request in clear (prior knowledge), authorization in HPACK', () => {
  // Was a COVERAGE GAP, documented (h2c is common inside clusters: gRPC without TLS, bearer tokens in
  // `authorization`): credentials' HTTP rule (credentials/http.ts) reads HTTP/1 header lines; an HTTP/2 HEADERS
  // frame carries the header as an HPACK literal (a name index and a length byte, no `Authorization: ` line), so the
  // token went in clear. Fixed (smallfix2, session 13): the client's preface starts credentials/h2c.ts, which reads
  // the header blocks as HPACK and masks the value octets of authorization, proxy-authorization and cookie.
  it('the authorization value, a literal not Huffman-coded, is masked', async () => {
    const r = new Rng(1210);
    const token = Buffer.from(`u${r.word(7)}:P${r.word(9)}`, 'latin1').toString('base64');
    const value = `Basic ${token}`;
    const hpack = Buffer.concat([
      Buffer.from([0x83, 0x86]), // :method POST, :scheme http
      Buffer.from([0x44, 0x0c]), // :path, literal value (indexed name 4), 12 bytes
      Buffer.from('/svc/Login/1', 'latin1'),
      // authorization (static table 23), literal never indexed (RFC 7541 7.1.3: what a client sends for a secret)
      Buffer.from([0x1f, 0x08, value.length]),
      Buffer.from(value, 'latin1'),
    ]);
    const frame = (type: number, flags: number, stream: number, payload: Buffer) => {
      const h = Buffer.alloc(9);
      h.writeUIntBE(payload.length, 0, 3);
      h[3] = type;
      h[4] = flags;
      h.writeUInt32BE(stream, 5);
      return Buffer.concat([h, payload]);
    };
    const client = Buffer.concat([
      Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1'),
      frame(0x4, 0, 0, Buffer.alloc(0)),
      frame(0x1, 0x4, 1, hpack),
      frame(0x0, 0x1, 1, Buffer.from('\x00\x00\x00\x00\x02\x08\x01', 'latin1')),
    ]).toString('latin1');
    const server = Buffer.concat([frame(0x4, 0, 0, Buffer.alloc(0)), frame(0x4, 0x1, 0, Buffer.alloc(0))]).toString(
      'latin1',
    );
    const sc = {
      port: 50051,
      turns: [
        { dir: 0 as const, text: client },
        { dir: 1 as const, text: server },
      ],
      creds: [token],
      cards: [],
      decoys: [],
      tokens: [],
    };
    const s = session(1, 'bulk', r, { script: sc, whole: true });
    const f = await run('h2c', recsOf(s, 1), [s]);
    expect(summary(f.paths)).toEqual([]);
    expect(summary(f.leaks)).toEqual([]);
  });
});

// ---- the captures above with the masked group on a worker thread

describe('mask: these captures with group split (workers 0 and 1; decoder, generated, auto)', () => {
  it('outer-fragmented GRE and GTP-U with a TEID a direction: the same files and counters', async () => {
    const a = outerFragmented('gre', 1201);
    // the GTP-U sessions on other client addresses than the GRE ones' (the oracle is not read here: the runs are)
    const b = gtpSessions(false);
    const file = pcapFile(dir, 'split.pcap', [...a.recs, ...b.recs], ETH);
    const runs = await splitRuns(file, POLICIES['mask beside other groups'], 'split');
    expectSameRuns(runs);
  });
});
