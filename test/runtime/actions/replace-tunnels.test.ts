import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ETHERTYPE } from '../../../src/fields/ethertype.js';
import { IPPROTO } from '../../../src/fields/ip-proto.js';
import { requirements } from '../../support/tools.js';
import { eth, hex, ipv4, ipv6, tcp, udp, vxlan, writePcap } from './frames.js';
import { badChecksums, readPackets, runPolicy } from './support.js';

/**
 * replace on UDP that carries a packet: the text inside the inner packet
 * must never be rewritten as if it were the outer datagram's payload, or
 * the inner TCP/UDP checksum (and lengths) break. A tunnel the decoder
 * follows is replaced inside once stripped, and otherwise delivered as
 * captured (`tunneled`); UDP to or from the port of an encapsulation the
 * decoder does not follow (VXLAN-GPE, ...) is delivered as captured too.
 * tshark, checksum validation on, finds no bad checksum in the output.
 */
const needs = requirements({ tools: ['tshark'] });
const dir = mkdtempSync(join(tmpdir(), 'tmesc-replace-tunnels-'));

const TEXT = Buffer.from('HTTP/1.1 200 OK\r\nServer: Apache/2.4\r\n\r\n', 'latin1');
const innerTcp4 = () => ipv4(IPPROTO.TCP, tcp(80, 41000, TEXT), { src: '172.16.0.1', dst: '172.16.0.2' });
const innerUdp6 = () => ipv6(IPPROTO.UDP, udp(514, 5000, TEXT));
const outer = (dst: number, body: Buffer) =>
  eth(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, udp(40000, dst, body), { src: '10.9.0.1', dst: '10.9.0.2' }));

/** VXLAN-GPE (RFC draft-ietf-nvo3-vxlan-gpe): flags I and P, next protocol (1 IPv4, 2 IPv6, 3 Ethernet), VNI. */
const gpe = (next: number, body: Buffer) => Buffer.concat([hex('0c0000'), Buffer.from([next]), hex('00002a00'), body]);
/** Geneve version 0, no options, protocol type. */
const geneve = (proto: number, body: Buffer) =>
  Buffer.concat([hex('0000'), Buffer.from([proto >> 8, proto & 0xff]), hex('00002a00'), body]);
/** GTP-U G-PDU, no optional fields. */
const gtpu = (body: Buffer) =>
  Buffer.concat([hex('30ff'), Buffer.from([body.length >> 8, body.length & 0xff]), hex('00000007'), body]);

/** Each frame, its strip target (none: the decoder does not follow it) and the counter it goes under unstripped. */
const FRAMES: Record<string, { frame: Buffer; strip?: string; reason: string }> = {
  'vxlan-gpe ipv4': { frame: outer(4790, gpe(1, innerTcp4())), reason: 'encapsulated' },
  'vxlan-gpe ipv6': { frame: outer(4790, gpe(2, innerUdp6())), reason: 'encapsulated' },
  'vxlan-gpe ethernet': { frame: outer(4790, gpe(3, eth(ETHERTYPE.IPV4, innerTcp4()))), reason: 'encapsulated' },
  'vxlan-gpe from its port': {
    frame: eth(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, udp(4790, 40000, gpe(1, innerTcp4())))),
    reason: 'encapsulated',
  },
  'mpls-in-udp': { frame: outer(6635, Buffer.concat([hex('0002a140'), innerTcp4()])), reason: 'encapsulated' },
  'vxlan on 8472': { frame: outer(8472, vxlan(42, eth(ETHERTYPE.IPV4, innerTcp4()))), reason: 'encapsulated' },
  vxlan: { frame: outer(4789, vxlan(42, eth(ETHERTYPE.IPV4, innerTcp4()))), strip: 'vxlan', reason: 'tunneled' },
  geneve: { frame: outer(6081, geneve(ETHERTYPE.IPV4, innerTcp4())), strip: 'geneve', reason: 'tunneled' },
  'geneve ethernet': {
    frame: outer(6081, geneve(0x6558, eth(ETHERTYPE.IPV4, innerTcp4()))),
    strip: 'geneve',
    reason: 'tunneled',
  },
  'gtp-u': { frame: outer(2152, gtpu(innerTcp4())), strip: 'gtp', reason: 'tunneled' },
};
const REPLACE = 'replace /Apache[^\\r]*/ with "x"';

async function run(frames: Buffer[], actions: string) {
  const tag = Math.random().toString(36).slice(2);
  const input = join(dir, `in-${tag}.pcap`);
  const out = join(dir, `out-${tag}.pcap`);
  writePcap(input, 1, frames);
  const { stats } = await runPolicy(
    dir,
    `tap a { source pcap "${input}" }
group g { tool t { output pcap "${out}" } ${actions} }
rule r from a match any to g`,
  );
  return { input, out, counts: stats.groups[0].actions.replace };
}

describe.skipIf(needs.skip)(`replace on UDP that carries a packet${needs.note}`, () => {
  it.for(Object.keys(FRAMES))('%s, not stripped: delivered as captured, counted, checksums good', async (name) => {
    const { frame, reason } = FRAMES[name];
    const { input, out, counts } = await run([frame], REPLACE);
    expect(await badChecksums(input), 'the input is good').toBe(0);
    expect(await badChecksums(out), 'bad checksums in the output').toBe(0);
    expect(readPackets(out).map((p) => p.data.toString('hex'))).toEqual([frame.toString('hex')]);
    expect(counts[reason]).toBe(1);
  });

  it.for(Object.keys(FRAMES).filter((n) => FRAMES[n].strip))(
    '%s, stripped: replaced in the inner packet, checksums good',
    async (name) => {
      const { frame, strip } = FRAMES[name];
      const { out, counts } = await run([frame], `strip ${strip}\n ${REPLACE}`);
      expect(await badChecksums(out), 'bad checksums in the output').toBe(0);
      const data = readPackets(out)[0].data.toString('latin1');
      expect(data).toContain('Server: x\r\n');
      expect(data).not.toContain('Apache');
      expect(counts.replaced).toBe(1);
    },
  );

  it('plain UDP on other ports is still replaced', async () => {
    const frame = outer(5000, TEXT);
    const { out, counts } = await run([frame], REPLACE);
    expect(await badChecksums(out)).toBe(0);
    expect(readPackets(out)[0].data.toString('latin1')).toContain('Server: x\r\n');
    expect(counts.replaced).toBe(1);
  });
});
