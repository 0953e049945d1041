import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ETHERTYPE } from '../../../src/fields/ethertype.js';
import { LINKTYPE } from '../../../src/fields/fields.js';
import { IPPROTO } from '../../../src/fields/ip-proto.js';
import { PPP_PROTO } from '../../../src/fields/ppp.js';
import { generate } from '../../../src/gen/index.js';
import { ipv4HeaderChecksumOk } from '../../../src/runtime/actions/checksum.js';
import { msSinceMidnight } from '../../../src/runtime/actions/timestamp-ipv4.js';
import { actionWarnings } from '../../../src/runtime/actions/warnings.js';
import { requirements } from '../../support/tools.js';
import { eth, gre, hex, ipv4, ipv6, payload, pppoe, tcp, udp, writePcap } from './frames.js';
import { badChecksums, type Packet, readPackets, runPolicy, tsharkFields } from './support.js';

const dir = mkdtempSync(join(tmpdir(), 'tmesc-timestamp-'));
let n = 0;

async function stamp(
  how: string,
  frames: (Buffer | { data: Buffer; wireLen: number })[],
  opts: { linkType?: number; before?: string } = {},
): Promise<{ out: Packet[]; counts: Record<string, number>; file: string; warnings: string[] }> {
  const id = n++;
  const input = join(dir, `in${id}.pcap`);
  const file = join(dir, `out${id}.pcap`);
  writePcap(input, opts.linkType ?? LINKTYPE.ETHERNET, frames);
  const { stats } = await runPolicy(
    dir,
    `tap a { source pcap "${input}" }
group g { tool t { output pcap "${file}" } ${opts.before ?? ''} timestamp ${how} }
rule r from a match any to g`,
  );
  const counts = Object.fromEntries(Object.entries(stats.groups[0].actions.timestamp).filter(([, v]) => v > 0));
  return { out: readPackets(file), counts, file, warnings: actionWarnings(stats) };
}

/** The time stamp writePcap gives frame i: 1,700,000,000 + i seconds and 123,456 microseconds. */
const msOf = (i: number) => msSinceMidnight(1_700_000_000 + i, 123_456_000);

const TS_OPTION = (i: number) => {
  const b = hex('440c0d01 00000000 00000000');
  b.writeUInt32BE(msOf(i), 8);
  return b;
};

describe('timestamp ip-option: IPv4', () => {
  it('inserts the RFC 791 option (flag 1, address 0.0.0.0, ms since midnight UT) with IHL, length and checksum fixed', async () => {
    const ip = ipv4(IPPROTO.TCP, tcp(1, 2, payload(30)));
    const r = await stamp('ip-option', [eth(ETHERTYPE.IPV4, ip)]);
    const expected = ipv4(IPPROTO.TCP, tcp(1, 2, payload(30)), { options: TS_OPTION(0) });
    expect(r.out[0].data).toEqual(eth(ETHERTYPE.IPV4, expected));
    expect(r.out[0].wireLen).toBe(14 + ip.length + 12);
    expect(r.counts).toEqual({ 'ip-option': 1 });
  });

  it('goes after the options there, before their end-of-list padding', async () => {
    const routerAlert = hex('94040000');
    const r = await stamp('ip-option', [
      eth(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, udp(1, 2, payload(4)), { options: routerAlert })),
    ]);
    const out = r.out[0].data;
    expect(out[14] & 0x0f).toBe(9);
    expect(out.subarray(34, 50)).toEqual(Buffer.concat([routerAlert, TS_OPTION(0)]));
    expect(ipv4HeaderChecksumOk(out, 14)).toBe(true);
    // three NOPs and an end of list: the option starts at an odd offset, and the bytes after it are end of list
    const nops = hex('01010100');
    const odd = await stamp('ip-option', [
      eth(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, udp(1, 2, payload(4)), { options: nops })),
    ]);
    const o = odd.out[0].data;
    expect(o[14] & 0x0f).toBe(9);
    expect(o.subarray(34, 50)).toEqual(Buffer.concat([hex('010101'), TS_OPTION(0), hex('00')]));
    expect(ipv4HeaderChecksumOk(o, 14)).toBe(true);
  });

  it('fits in the end-of-list padding a header already has: the header never shrinks, nothing moves', async () => {
    // a record route option, then end of list and padding up to IHL 15: room for the stamp inside the header
    const recordRoute = hex('07070400000000');
    const options = Buffer.concat([recordRoute, Buffer.alloc(33)]);
    const frame = eth(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, udp(1, 2, payload(4)), { options }));
    const r = await stamp('ip-option', [frame]);
    const out = r.out[0].data;
    expect(out.length).toBe(frame.length);
    expect(r.out[0].wireLen).toBe(frame.length);
    expect(out[14] & 0x0f).toBe(15);
    expect(out.readUInt16BE(16)).toBe(frame.readUInt16BE(16));
    expect(out.subarray(34, 74)).toEqual(Buffer.concat([recordRoute, TS_OPTION(0), Buffer.alloc(21)]));
    expect(out.subarray(74)).toEqual(frame.subarray(74));
    expect(ipv4HeaderChecksumOk(out, 14)).toBe(true);
    expect(r.counts).toEqual({ 'ip-option': 1 });
  });

  it('fills a free entry of a Timestamp option already there, or counts the hop in its overflow field', async () => {
    // flag 1, two entries, one used (pointer 13)
    const withRoom = hex('4414 0d01 c0000201 00000001 00000000 00000000');
    const full = hex('440c 0d01 c0000201 00000001');
    const r = await stamp('ip-option', [
      eth(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, udp(1, 2, payload(4)), { options: withRoom })),
      eth(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, udp(1, 2, payload(4)), { options: full })),
    ]);
    const filled = Buffer.from(withRoom);
    filled[2] = 21;
    filled.writeUInt32BE(msOf(0), 16);
    expect(r.out[0].data.subarray(34, 54)).toEqual(filled);
    const overflowed = Buffer.from(full);
    overflowed[3] = 0x11;
    expect(r.out[1].data.subarray(34, 46)).toEqual(overflowed);
    for (const p of r.out) expect(ipv4HeaderChecksumOk(p.data, 14)).toBe(true);
    expect(r.counts).toEqual({ 'ip-option-filled': 1, 'ip-option-overflow': 1 });
  });

  it('prespecified addresses (flag 3) are for the hops they name: unchanged while entries are free, overflow when full', async () => {
    // two entries, the first taken (pointer 13); then one entry, taken
    const withRoom = hex('4414 0d03 c0000201 00000001 c0000202 00000000');
    const full = hex('440c 0d03 c0000201 00000001');
    const free = eth(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, udp(1, 2, payload(4)), { options: withRoom }));
    const r = await stamp('ip-option', [
      free,
      eth(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, udp(1, 2, payload(4)), { options: full })),
    ]);
    expect(r.out[0].data).toEqual(free);
    const overflowed = Buffer.from(full);
    overflowed[3] = 0x13;
    expect(r.out[1].data.subarray(34, 46)).toEqual(overflowed);
    expect(ipv4HeaderChecksumOk(r.out[1].data, 14)).toBe(true);
    expect(r.counts).toEqual({ 'ip-option-prespecified': 1, 'ip-option-overflow': 1 });
    expect(r.warnings).toEqual([]);
  });

  it('a header with no room left (IHL 15) passes unchanged, counted, and said on stderr', async () => {
    const frame = eth(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, udp(1, 2, payload(4)), { options: Buffer.alloc(40, 1) }));
    const r = await stamp('ip-option', [frame]);
    expect(r.out[0].data).toEqual(frame);
    expect(r.counts).toEqual({ 'no-room': 1 });
    expect(r.warnings).toEqual([
      expect.stringMatching(/^group 'g': timestamp: 1 packet was delivered unstamped: no room/),
    ]);
  });

  it('stamps the outermost header of a tunnel it keeps, and grows a PPPoE length in front', async () => {
    const inner = ipv4(IPPROTO.UDP, udp(1, 2, payload(8)), { src: '0a050505' });
    const r = await stamp('ip-option', [
      eth(ETHERTYPE.IPV4, ipv4(IPPROTO.GRE, gre(ETHERTYPE.IPV4, inner))),
      eth(ETHERTYPE.PPPOE_SESSION, pppoe(3, PPP_PROTO.IPV4, inner)),
    ]);
    expect(r.out[0].data).toEqual(
      eth(ETHERTYPE.IPV4, ipv4(IPPROTO.GRE, gre(ETHERTYPE.IPV4, inner), { options: TS_OPTION(0) })),
    );
    expect(r.out[1].data).toEqual(
      eth(
        ETHERTYPE.PPPOE_SESSION,
        pppoe(3, PPP_PROTO.IPV4, ipv4(IPPROTO.UDP, udp(1, 2, payload(8)), { src: '0a050505', options: TS_OPTION(1) })),
      ),
    );
  });

  it('follows truncate: the option is never cut off, and the lengths still say how long the packet was', async () => {
    const ip = ipv4(IPPROTO.TCP, tcp(1, 2, payload(300)));
    const r = await stamp('ip-option', [eth(ETHERTYPE.IPV4, ip)], { before: 'truncate payload 0' });
    expect(r.out[0].data.length).toBe(14 + 32 + 20);
    expect(r.out[0].wireLen).toBe(14 + ip.length + 12);
    expect(r.out[0].data.readUInt16BE(16)).toBe(ip.length + 12);
  });
});

describe('timestamp: IPv6, other packets, trailers', () => {
  it('IPv6 gets an IOAM trace option in a new Hop-by-Hop header, or appended to the one there', async () => {
    const plain = ipv6(IPPROTO.UDP, udp(1, 2, payload(10)));
    const withHbh = ipv6(IPPROTO.UDP, udp(1, 2, payload(10)), hex('11 00 05 02 0000 0000'));
    const r = await stamp('ip-option ipv6 hop-by-hop', [eth(ETHERTYPE.IPV6, plain), eth(ETHERTYPE.IPV6, withHbh)]);
    const a = r.out[0].data;
    expect(a.readUInt16BE(14 + 4)).toBe(plain.readUInt16BE(4) + 24);
    expect(a[14 + 6]).toBe(IPPROTO.HOPOPTS);
    expect(a.subarray(54, 78).toString('hex')).toBe(
      `1102 0100 3112 0000 0000 1000 300000 00 ${(1_700_000_000).toString(16)} 075bca00`.replace(/ /g, ''),
    );
    expect(a.subarray(78)).toEqual(plain.subarray(40));
    const b = r.out[1].data;
    expect(b[54 + 1]).toBe(3);
    expect(b.subarray(54, 62)).toEqual(hex('11 03 05 02 0000 0000'));
    expect(b.subarray(62, 66)).toEqual(hex('01 02 0000'));
    expect(r.counts).toEqual({ 'ipv6-hop-by-hop': 2 });
  });

  it('destination-option goes after a Hop-by-Hop header; a payload length of 0 has nothing to grow', async () => {
    const withHbh = ipv6(IPPROTO.UDP, udp(1, 2, payload(10)), hex('11 00 05 02 0000 0000'));
    const jumbo = ipv6(IPPROTO.UDP, udp(1, 2, payload(10)));
    jumbo.writeUInt16BE(0, 4);
    const r = await stamp('ip-option ipv6 destination-option', [
      eth(ETHERTYPE.IPV6, withHbh),
      eth(ETHERTYPE.IPV6, jumbo),
    ]);
    const a = r.out[0].data;
    expect(a[54]).toBe(IPPROTO.DSTOPTS);
    expect(a[62]).toBe(IPPROTO.UDP);
    expect(a[63]).toBe(2);
    expect(r.out[1].data).toEqual(eth(ETHERTYPE.IPV6, jumbo));
    expect(r.counts).toEqual({ 'ipv6-destination-option': 1, 'no-length': 1 });
  });

  it('skip leaves a kind of packet alone; the trailer replaces padding and follows a cut', async () => {
    const arp = Buffer.concat([hex('0001 0800 0604 0001'), payload(20)]);
    const padded = Buffer.concat([eth(ETHERTYPE.ARP, arp), Buffer.alloc(18)]);
    const frame = eth(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, udp(1, 2, payload(100))));
    const r = await stamp('ip-option ipv6 skip other trailer', [
      eth(ETHERTYPE.IPV6, ipv6(IPPROTO.UDP, udp(1, 2, payload(4)))),
      padded,
      { data: frame.subarray(0, 60), wireLen: frame.length },
    ]);
    expect(r.out[1].data.length).toBe(14 + 28 + 9);
    expect(r.out[1].data.subarray(42)).toEqual(hex(`${(1_700_000_001).toString(16)} 075bca00 01`));
    expect(r.counts).toEqual({ skipped: 1, trailer: 1, 'ip-option': 1 });
    const t = await stamp('trailer', [{ data: frame.subarray(0, 60), wireLen: frame.length }]);
    expect(t.out[0].data.length).toBe(69);
    expect(t.out[0].wireLen).toBe(frame.length + 9);
    expect(t.counts).toEqual({ 'trailer-after-cut': 1 });
    const raw = await stamp('trailer', [ipv4(IPPROTO.UDP, udp(1, 2, payload(4)))], { linkType: LINKTYPE.RAW });
    expect(raw.counts).toEqual({ 'not-ethernet': 1 });
  });
});

const tshark = requirements({ tools: ['tshark'] });

describe.skipIf(tshark.skip)(`timestamp: what tshark reads${tshark.note}`, () => {
  const mix = join(dir, 'mix.pcap');
  generate({ output: mix, packets: 400, seed: 9, encap: { vlan: 0.2, mpls: 0.1, gre: 0.1, vxlan: 0.1, gtpu: 0.1 } });

  async function run(how: string): Promise<{ file: string; rows: string[][]; counts: Record<string, number> }> {
    const file = join(dir, `mix-${n++}.pcap`);
    const { stats } = await runPolicy(
      dir,
      `tap a { source pcap "${mix}" }
group g { tool t { output pcap "${file}" } timestamp ${how} }
rule r from a match any to g`,
    );
    const rows = await tsharkFields(file, [
      'frame.time_epoch',
      'ip.opt.time_stamp',
      'ipv6.opt.ioam.trace.node.tss',
      'ipv6.opt.ioam.trace.node.tsf',
      'vssmonitoring.time',
      'vssmonitoring.srcport',
      'ip.version',
      '_ws.malformed',
      'pppoe.payload_length.bad',
    ]);
    return { file, rows, counts: stats.groups[0].actions.timestamp };
  }

  const ms = (epoch: string) => {
    const [s, f] = epoch.split('.');
    return msSinceMidnight(Number(s), Number(f.padEnd(9, '0')));
  };

  it.for(['hop-by-hop', 'destination-option'])(
    'ip-option ipv6 %s: every packet stamped, decoded, checksums valid',
    async (where) => {
      const { file, rows, counts } = await run(`ip-option ipv6 ${where}`);
      expect(counts['ip-option'] + counts[`ipv6-${where}`] + counts.trailer).toBe(rows.length);
      for (const [epoch, ts, tss, tsf, vss, , version, malformed] of rows) {
        expect(malformed).toBe('');
        const first = version.split(',')[0];
        if (first === '4') expect(Number(ts.split(',')[0])).toBe(ms(epoch));
        else if (first === '6') {
          expect(Number(tss)).toBe(Number(epoch.split('.')[0]));
          expect(Number(tsf)).toBe(Number(epoch.split('.')[1].padEnd(9, '0')));
        } else expect(vss).not.toBe('');
      }
      expect(await badChecksums(file)).toBe(0);
    },
  );

  it('trailer: Wireshark decodes a VSS-Monitoring trailer on every frame, the time equal to the capture time', async () => {
    const { rows, counts } = await run('trailer');
    expect(counts.trailer).toBe(rows.length);
    for (const [epoch, , , , vss, port] of rows) {
      // "Nov 14, 2023 22:13:20.000012000 UTC": the seconds as a date, the fraction as it is
      const m = /^(.*\d\d:\d\d:\d\d)\.(\d{9}) (\S+)$/.exec(vss);
      expect(m, `${epoch}: ${vss}`).not.toBeNull();
      const [sec, frac] = epoch.split('.');
      expect(Date.parse(`${m![1]} ${m![3]}`) / 1000).toBe(Number(sec));
      expect(m![2]).toBe(frac.padEnd(9, '0'));
      expect(port).toBe('1');
    }
  });
});
