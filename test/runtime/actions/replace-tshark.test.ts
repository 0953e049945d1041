import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generate } from '../../../src/gen/index.js';
import type { GroupStats } from '../../../src/runtime/stats/stats.js';
import { corpusPath } from '../../support/corpus.js';
import { requirements } from '../../support/tools.js';
import { CHECKSUMS_ON, readPackets, runPolicy, STATUS, tsharkFields, tsharkText } from './support.js';
import { conversation, type TcpEvent, writeCapture } from './tcp-conversation.js';

/**
 * replace against tshark: over generated traffic, crafted sessions and the
 * corpus's TCP captures, tshark's TCP analysis finds no problem in a
 * replacing group's output that it did not find in the input (packet by
 * packet, by the tcp.analysis flags), no checksum goes bad, and the shift
 * of every in-order segment's sequence number is the sum of the length
 * changes before it in its direction (its acknowledgement's, those of the
 * other direction).
 */
const needs = requirements({ tools: ['tshark'] });
const corpus = requirements({ tools: ['tshark'], corpus: true });
const dir = mkdtempSync(join(tmpdir(), 'tmesc-replace-tshark-'));

/** The tcp.analysis flags that say something is wrong or unusual (the others are measurements). */
const FLAGS = [
  'retransmission',
  'fast_retransmission',
  'spurious_retransmission',
  'out_of_order',
  'lost_segment',
  'ack_lost_segment',
  'duplicate_ack',
  'window_update',
  'window_full',
  'keep_alive',
  'keep_alive_ack',
  'zero_window',
  'zero_window_probe',
  'zero_window_probe_ack',
  'reused_ports',
].map((f) => `tcp.analysis.${f}`);
const KEY = ['ip.src', 'ipv6.src', 'ip.dst', 'ipv6.dst', 'tcp.srcport', 'tcp.dstport', 'udp.srcport', 'udp.dstport'];
const TCP = ['tcp.seq_raw', 'tcp.ack_raw', 'tcp.len', 'tcp.flags.syn'];
const FIELDS = ['frame.time_epoch', ...KEY, ...TCP, ...STATUS, ...FLAGS];

interface Row {
  key: string;
  time: string;
  seq: number;
  ack: number;
  len: number;
  syn: boolean;
  /** Whether the packet is TCP outside any tunnel (one TCP header). */
  tcp: boolean;
  bad: Set<string>;
  flags: Set<string>;
}

async function rows(file: string): Promise<Row[]> {
  const at = (name: string) => FIELDS.indexOf(name);
  return (await tsharkFields(file, FIELDS, CHECKSUMS_ON)).map((r) => {
    const seq = r[at('tcp.seq_raw')];
    return {
      key: KEY.map((k) => r[at(k)]).join('|'),
      time: r[at('frame.time_epoch')],
      seq: Number(seq),
      ack: Number(r[at('tcp.ack_raw')]),
      len: Number(r[at('tcp.len')]),
      syn: r[at('tcp.flags.syn')] === '1',
      tcp: seq !== '' && !seq.includes(','),
      bad: new Set(STATUS.filter((s) => r[at(s)].split(',').includes('0'))),
      flags: new Set(FLAGS.filter((f) => r[at(f)] !== '')),
    };
  });
}

/**
 * Pairs each output packet with its input packet: per flow (addresses and
 * ports) the output keeps the input's order (segments held back come out
 * later than other sessions' packets, never out of their own session's
 * order) and may leave out segments a replacement emptied. Returns the pairs
 * per flow, in order, with `out` undefined for an input packet left out.
 */
function pair(input: Row[], output: Row[]): Map<string, { in: Row; out: Row | undefined }[]> {
  const byKey = (rs: Row[]) => {
    const m = new Map<string, Row[]>();
    for (const r of rs) (m.get(r.key) ?? m.set(r.key, []).get(r.key)!).push(r);
    return m;
  };
  const ins = byKey(input);
  const outs = byKey(output);
  const pairs = new Map<string, { in: Row; out: Row | undefined }[]>();
  for (const [k, list] of ins) {
    const o = outs.get(k) ?? [];
    const ps: { in: Row; out: Row | undefined }[] = [];
    let j = 0;
    for (const r of list) {
      if (j < o.length && o[j].time === r.time) ps.push({ in: r, out: o[j++] });
      else ps.push({ in: r, out: undefined });
    }
    expect(j, `flow ${k}: every output packet is one of the input's, in order`).toBe(o.length);
    pairs.set(k, ps);
  }
  for (const k of outs.keys()) expect(ins.has(k), `flow ${k} in the input`).toBe(true);
  return pairs;
}

/** The checks every replacing group's output passes against its input; returns how many input packets it left out. */
function compare(input: Row[], output: Row[], label: string): number {
  let left = 0;
  for (const [k, ps] of pair(input, output))
    for (const p of ps) {
      if (!p.out) {
        left++;
        continue;
      }
      const where = `${label}: flow ${k} at ${p.in.time}`;
      for (const b of p.out.bad) expect(p.in.bad.has(b), `${where}: ${b} bad only in the output`).toBe(true);
      for (const f of p.out.flags) expect(p.in.flags.has(f), `${where}: ${f} only in the output`).toBe(true);
    }
  return left;
}

/**
 * Per direction of each TCP flow, segments in order: the output's sequence
 * number is the input's plus the sum of the length changes of the segments
 * before it (left-out ones count as all removed); an acknowledgement at the
 * end of a segment of the other direction is shifted by that direction's
 * sum there. Returns how many segments were checked.
 */
function shiftsAreLengthChanges(input: Row[], output: Row[], label: string): number {
  const pairs = pair(input, output);
  const reverse = (k: string) => {
    const f = k.split('|');
    return [f[2], f[3], f[0], f[1], f[5], f[4], f[7], f[6]].join('|');
  };
  // per flow: (input end sequence number -> sum of changes up to there)
  const sums = new Map<string, Map<number, number>>();
  let checked = 0;
  for (const [k, ps] of pairs) {
    if (!ps[0].in.tcp) continue;
    const at = new Map<number, number>();
    sums.set(k, at);
    let next: number | undefined;
    let sum = 0;
    for (const p of ps) {
      const r = p.in;
      if (r.syn) {
        next = (r.seq + 1) >>> 0;
        continue;
      }
      if (next === undefined) next = r.seq;
      if (r.seq !== next || r.len === 0) {
        if (p.out && r.seq === next) {
          expect((p.out.seq - r.seq) | 0, `${label}: ${k} at ${r.time}`).toBe(sum);
          checked++;
        }
        continue;
      }
      if (p.out) {
        expect((p.out.seq - r.seq) | 0, `${label}: ${k} at ${r.time}: seq shift`).toBe(sum);
        checked++;
        sum += p.out.len - r.len;
      } else sum -= r.len;
      next = (r.seq + r.len) >>> 0;
      at.set(next, sum);
    }
  }
  for (const [k, ps] of pairs) {
    const other = sums.get(reverse(k));
    if (!other || !ps[0].in.tcp) continue;
    for (const p of ps) {
      const s = other.get(p.in.ack);
      if (!p.out || s === undefined) continue;
      expect((p.out.ack - p.in.ack) | 0, `${label}: ${k} at ${p.in.time}: ack shift`).toBe(s);
      checked++;
    }
  }
  return checked;
}

interface Replacing {
  name: string;
  replaces: string;
}

/** Runs `input` through groups that replace and one that does not; returns each group's stats and output path. */
async function runGroups(input: string, groups: Replacing[]): Promise<{ stats: GroupStats[]; outs: string[] }> {
  const tag = Math.random().toString(36).slice(2);
  const outs = [...groups.map((g) => join(dir, `${tag}-${g.name}.pcapng`)), join(dir, `${tag}-plain.pcapng`)];
  const body = [
    `tap a { source file "${input}" }`,
    ...groups.map((g, i) => `group ${g.name} { tool t${i} { output pcapng "${outs[i]}" } ${g.replaces} }`),
    `group plain { tool tp { output pcapng "${outs[groups.length]}" } }`,
    `rule r from a match any to ${[...groups.map((g) => g.name), 'plain'].join(', ')}`,
  ].join('\n');
  const { stats } = await runPolicy(dir, body);
  for (const g of stats.groups) {
    const dropped = Object.values(g.dropped).reduce((x, y) => x + y, 0);
    expect(g.in, g.name).toBe(g.delivered + dropped);
    if (g.actions.replace)
      expect(
        Object.values(g.actions.replace).reduce((x, y) => x + y, 0),
        g.name,
      ).toBe(g.in);
  }
  return { stats: stats.groups, outs };
}

const GENERATED: Replacing[] = [
  { name: 'shrink', replaces: 'replace /Server: [^\\r\\n]*/ with "Server: x"' },
  {
    name: 'grow',
    replaces: 'replace /Content-Type: [a-z\\/]+/ with "Content-Type: application/a-much-longer-type-than-before"',
  },
  { name: 'vowels', replaces: 'replace /[aeiou]+/ with ""\n replace /[0-9]/ with "##"' },
];

describe.skipIf(needs.skip)(`replace checked by tshark${needs.note}`, () => {
  it('generated traffic: no new TCP analysis flag, no bad checksum, shifts equal length changes', async () => {
    const input = join(dir, 'mix.pcap');
    generate({
      output: input,
      packets: 3000,
      seed: 21,
      mix: { tcp: 1, dns: 0.2, udp: 0.2, icmp: 0.1, arp: 0.05 },
      encap: { vlan: 0.1, gre: 0.05, vxlan: 0.05 },
    });
    const { stats, outs } = await runGroups(input, GENERATED);
    const inRows = await rows(input);
    // the group without actions is the input, byte for byte
    expect(readPackets(outs[3]).map((p) => p.data.toString('hex'))).toEqual(
      readPackets(input).map((p) => p.data.toString('hex')),
    );
    for (const [i, g] of GENERATED.entries()) {
      const outRows = await rows(outs[i]);
      const left = compare(inRows, outRows, g.name);
      expect(left).toBe(stats[i].dropped['replaced-away']);
      expect(shiftsAreLengthChanges(inRows, outRows, g.name)).toBeGreaterThan(1000);
      expect(stats[i].actions.replace.replaced, g.name).toBeGreaterThan(50);
      expect(stats[i].actions.replace['released-early'], g.name).toBe(0);
    }
    // what the patterns leave: no Server header but "x" outside tunnels, the longer type in every response
    const servers = await tsharkFields(outs[0], ['http.server', 'frame.protocols']);
    const seen = servers.filter((r) => r[0] !== '' && !/gre|vxlan|gtp/.test(r[1]));
    expect(seen.length).toBeGreaterThan(20);
    for (const r of seen) expect(r[0]).toBe('x');
    expect(stats[1].actions.replace['over-mtu']).toBeGreaterThan(0);
  });

  it('crafted sessions: split matches, retransmissions, SACK, loss, reordering, Telnet', async () => {
    const sessions: TcpEvent[][] = [
      [
        { from: 'c', data: 'GET / HTTP/1.1\r\n\r\n' },
        { from: 's', data: 'HTTP/1.1 200 OK\r\nServer: Apa' },
        { from: 's', data: 'che/2.4\r\nX: 1\r\n\r\n' },
        { from: 's', resend: [0, 20] },
        { from: 'c' },
        { from: 's', data: 'Server: again\r\n' },
        { from: 's', data: 'AAAA', lost: true },
        { from: 's', data: 'Server: after the loss\r\n' },
        { from: 'c', ackOffset: 63, sack: [[67, 91]] },
        { from: 's', resend: [63, 4] },
        { from: 'c' },
        { from: 'c', flags: 1 },
        { from: 's', flags: 1 },
        { from: 'c' },
      ],
      [
        ...[...'login: '].map((ch) => ({ from: 's' as const, data: ch })),
        ...[...'Server: root\r\n'].flatMap((ch) => [
          { from: 'c' as const, data: ch },
          { from: 's' as const, data: '*' },
        ]),
      ],
    ];
    const frames: Buffer[] = [];
    sessions.forEach((events, i) => frames.push(...conversation(events, { clientPort: 41000 + i }).frames));
    // one segment overtaken by the next
    const j = frames.length - 5;
    [frames[j], frames[j + 1]] = [frames[j + 1], frames[j]];
    const input = join(dir, 'crafted.pcap');
    writeCapture(input, frames);
    const { stats, outs } = await runGroups(input, GENERATED.slice(0, 1));
    const inRows = await rows(input);
    const outRows = await rows(outs[0]);
    expect(compare(inRows, outRows, 'crafted')).toBe(stats[0].dropped['replaced-away']);
    expect(stats[0].actions.replace.replaced).toBeGreaterThan(5);
  });

  it('a segment replaced away whole, then the bare ACK of it: no duplicate ACK the endpoints never sent', async () => {
    // the ACK of the emptied segment acknowledges nothing new in the output: kept, tshark flags it a duplicate ACK
    // (or a window update when its window moved); it goes with the segment it acknowledged
    const events: TcpEvent[] = [
      { from: 'c', data: 'GET / HTTP/1.1\r\n\r\n' },
      { from: 's', data: 'HTTP/1.1 200 OK\r\n' },
      { from: 'c' },
      { from: 's', data: 'Server: gone\r\n' },
      { from: 'c' },
      { from: 's', data: 'X: 1\r\n\r\n' },
      { from: 'c' },
      { from: 's', data: 'Server: gone too\r\n' },
      { from: 'c' },
      { from: 's', data: 'tail' },
      // urgent data, all of it removed: an urgent pointer to nothing, which tshark also takes for a duplicate ACK
      { from: 's', data: 'Server: urgent\r\n', flags: 0x20 },
      { from: 'c' },
      // a duplicate ACK of the capture's own stays
      { from: 'c' },
      { from: 'c' },
      { from: 'c', flags: 1 },
      { from: 's', flags: 1 },
      { from: 'c' },
    ];
    const input = join(dir, 'emptied.pcap');
    writeCapture(input, conversation(events, { clientPort: 41500 }).frames);
    const { stats, outs } = await runGroups(input, [
      { name: 'gone', replaces: 'replace /Server: [^\\r\\n]*\\r\\n/ with ""' },
    ]);
    const inRows = await rows(input);
    const outRows = await rows(outs[0]);
    expect(compare(inRows, outRows, 'emptied')).toBe(stats[0].dropped['replaced-away']);
    // the three emptied segments and the two ACKs of nothing else (the one after the urgent data also acknowledges 'tail')
    expect(stats[0].dropped['replaced-away']).toBe(5);
    expect(outRows.filter((r) => r.flags.has('tcp.analysis.duplicate_ack')).length).toBe(
      inRows.filter((r) => r.flags.has('tcp.analysis.duplicate_ack')).length,
    );
    expect(shiftsAreLengthChanges(inRows, outRows, 'emptied')).toBeGreaterThan(5);
  });

  it('a bare ACK of removed bytes that moves the window is kept, renumbered: zero windows and openings are not lost', async () => {
    // the receiver's window as the capture says it: 0 in the ACK of a segment removed whole, open again in the ACK
    // of the next one removed; dropped, the output's sender would go on into a window still closed
    const events: TcpEvent[] = [
      { from: 'c', data: 'GET / HTTP/1.1\r\n\r\n' },
      { from: 's', data: 'HTTP/1.1 200 OK\r\n' },
      { from: 'c' },
      { from: 's', data: 'Server: gone\r\n' },
      { from: 'c', window: 0 },
      { from: 'c', window: 8000 },
      { from: 's', data: 'X: 1\r\n\r\n' },
      { from: 'c', window: 8000 },
      { from: 's', data: 'Server: again\r\n' },
      { from: 'c', window: 2000 },
      { from: 's', data: 'Server: third\r\n' },
      // the same window: it says nothing the ACK before did not, and goes
      { from: 'c', window: 2000 },
      { from: 's', data: 'tail' },
      { from: 'c', flags: 1 },
      { from: 's', flags: 1 },
      { from: 'c' },
    ];
    const input = join(dir, 'windows.pcap');
    writeCapture(input, conversation(events, { clientPort: 41600 }).frames);
    const { stats, outs } = await runGroups(input, [
      { name: 'gone', replaces: 'replace /Server: [^\\r\\n]*\\r\\n/ with ""' },
    ]);
    const fields = ['tcp.srcport', 'tcp.window_size_value', 'tcp.analysis.zero_window', 'tcp.analysis.window_update'];
    const [inRows, outRows] = [await tsharkFields(input, fields), await tsharkFields(outs[0], fields)];
    const windows = (rows: string[][]) => rows.filter((r) => r[0] === '41600').map((r) => Number(r[1]));
    // every window the client advertised goes out, in order, each once: only the repeated 2000 goes
    const change = (ws: number[]) => ws.filter((w, i) => i === 0 || w !== ws[i - 1]);
    expect(change(windows(outRows))).toEqual(change(windows(inRows)));
    expect(windows(outRows)).toEqual([65535, 65535, 65535, 65535, 0, 8000, 8000, 2000, 65535, 65535]);
    const count = (rows: string[][], at: number) => rows.filter((r) => r[at] !== '').length;
    expect(count(outRows, 2), 'zero windows').toBe(count(inRows, 2));
    expect(count(outRows, 2)).toBe(1);
    // three segments removed whole, and the ACK of the third
    expect(stats[0].dropped['replaced-away']).toBe(4);
    const inRowsFull = await rows(input);
    const outRowsFull = await rows(outs[0]);
    expect(shiftsAreLengthChanges(inRowsFull, outRowsFull, 'windows')).toBeGreaterThan(5);
    // no checksum goes bad; a kept ACK is a window update where it acknowledges nothing new (it is one there)
    for (const r of outRowsFull) expect([...r.bad]).toEqual([]);
    expect(count(outRows, 3)).toBeGreaterThan(count(inRows, 3));
  });

  it('one session on two VLANs, the outside copy renumbered by a firewall: each copy shifted by its own changes', async () => {
    // a SPAN of both sides of a firewall that randomises initial sequence numbers (Cisco ASA does by default): the
    // same addresses and ports on VLAN 7 and VLAN 8, the outside copy's numbers moved; each copy is its own session
    // (keyed by its link, as mask's are), else one copy's SYN starts the other over and the shifts mix
    const events: TcpEvent[] = [
      { from: 'c', data: 'GET / HTTP/1.1\r\n\r\n' },
      { from: 's', data: 'HTTP/1.1 200 OK\r\nServer: Apache/2.4\r\n' },
      { from: 'c' },
      { from: 's', data: 'X: 1\r\nServer: again and again\r\n\r\n' },
      { from: 'c', data: 'GET /b HTTP/1.1\r\n\r\n' },
      { from: 's', data: 'HTTP/1.1 200 OK\r\nServer: third\r\n\r\n' },
      { from: 'c', flags: 1 },
      { from: 's', flags: 1 },
      { from: 'c' },
    ];
    const tag = (f: Buffer, id: number) => {
      const t = Buffer.alloc(4);
      t.writeUInt16BE(0x8100, 0);
      t.writeUInt16BE(id, 2);
      return Buffer.concat([f.subarray(0, 12), t, f.subarray(12)]);
    };
    const inside = conversation(events, { clientPort: 41700 }).frames.map((f) => tag(f, 7));
    const outside = conversation(events, { clientPort: 41700, isnC: 0x7a6b5c4d, isnS: 0x01020304 }).frames.map((f) =>
      tag(f, 8),
    );
    const input = join(dir, 'two-vlans.pcap');
    writeCapture(
      input,
      inside.flatMap((f, i) => [f, outside[i]]),
    );
    const { stats, outs } = await runGroups(input, [
      { name: 'server', replaces: 'replace /Server: [^\\r\\n]*/ with "S: x"' },
    ]);
    expect(stats[0].actions.replace.replaced).toBe(6);
    for (const id of [7, 8]) {
      const only = async (file: string) => {
        const f = join(dir, `two-vlans-${id}-${file.endsWith('.pcap') ? 'in' : 'out'}.pcap`);
        await tsharkText(['-r', file, '-Y', `vlan.id == ${id}`, '-w', f, '-F', 'pcap']);
        return rows(f);
      };
      const [inRows, outRows] = [await only(input), await only(outs[0])];
      expect(inRows.length).toBe(events.length + 3);
      expect(compare(inRows, outRows, `VLAN ${id}`)).toBe(0);
      expect(shiftsAreLengthChanges(inRows, outRows, `VLAN ${id}`)).toBeGreaterThan(8);
      for (const r of outRows) expect([...r.bad], `VLAN ${id} at ${r.time}`).toEqual([]);
    }
  });

  const CAPTURES = [
    '4KHttpRequests.pcap',
    'telnet.pcap',
    'smtp.pcap',
    'pop3.pcap',
    'imap-detection.pcap',
    'ssh.pcap',
    'pppoe-session-http.pcap',
    'http-request-invalid.pcap',
    'basic-auth-with-extra-space.pcap',
    'tfo-5c1fa7f9ae91.pcap',
    'bgp-role.pcapng',
  ];
  const CORPUS_GROUPS: Replacing[] = [
    { name: 'caps', replaces: 'replace /[A-Z]+/ with "x"' },
    { name: 'e', replaces: 'replace /e/ with "eee"' },
    // binary: the TFO capture's SYN carries de ad be ef
    { name: 'bin', replaces: 'replace /\\xad\\xbe|\\x00+/ with "-"' },
  ];

  describe.skipIf(corpus.skip)(`corpus TCP captures${corpus.note}`, () => {
    it.for(CAPTURES.filter((f) => !corpus.skip && existsSync(corpusPath(f))))('%s', async (file) => {
      const input = corpusPath(file);
      const { stats, outs } = await runGroups(input, CORPUS_GROUPS);
      const inRows = await rows(input);
      for (const [i, g] of CORPUS_GROUPS.entries()) {
        const left = compare(inRows, await rows(outs[i]), `${file} ${g.name}`);
        expect(left).toBe(stats[i].dropped['replaced-away']);
      }
      expect(stats.reduce((n, g) => n + (g.actions.replace?.replaced ?? 0), 0)).toBeGreaterThan(0);
    });
  });
});
