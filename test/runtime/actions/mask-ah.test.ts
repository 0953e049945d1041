import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ETHERTYPE } from '../../../src/fields/ethertype.js';
import { LINKTYPE } from '../../../src/fields/fields.js';
import { IPPROTO } from '../../../src/fields/ip-proto.js';
import { fixIpv4HeaderChecksum, l4ChecksumOk } from '../../../src/runtime/actions/checksum.js';
import { pastAh } from '../../../src/runtime/actions/mask-ah.js';
import { decodeFrame } from '../../../src/runtime/decode/decode.js';
import { PacketView } from '../../../src/runtime/decode/view.js';
import { eth, ipv4, tcp } from './frames.js';
import { runFrames } from './mask-run.js';
import { timed } from './tcp-traffic.js';

/** mask behind IPv4 AH (IPsec transport mode): the TCP segment after the header is searched and masked. */
const dir = mkdtempSync(join(tmpdir(), 'tmesc-mask-ah-'));
const policy = `tap a { source pcap "${dir}/none.pcap" }
group g { tool t { output pcap "${dir}/t.pcap" } mask credentials }
rule r from a match any to g`;

const login = Buffer.from('USER bob\r\nPASS hunter2\r\n', 'latin1');

/** An IPv4 packet with an AH header (next header TCP, a 12-byte ICV: 24 bytes) put before its TCP segment. */
function withAh(ip: Buffer, icv = 12): Buffer {
  const ah = Buffer.alloc(12 + icv);
  ah[0] = IPPROTO.TCP;
  ah[1] = (ah.length >> 2) - 2;
  ah.writeUInt32BE(0x1234, 4);
  ah.writeUInt32BE(1, 8);
  const p = Buffer.concat([ip.subarray(0, 20), ah, ip.subarray(20)]);
  p[9] = IPPROTO.AH;
  p.writeUInt16BE(p.length, 2);
  fixIpv4HeaderChecksum(p, 0);
  return p;
}

const frame = eth(ETHERTYPE.IPV4, withAh(ipv4(IPPROTO.TCP, tcp(40000, 110, login))));
const view = new PacketView(false);
const into = new PacketView(false);

describe('mask: IPv4 AH', () => {
  it('reads the TCP segment behind AH; nothing for a packet without AH or with AH cut short', () => {
    decodeFrame(view, frame, frame.length, frame.length, LINKTYPE.ETHERNET);
    expect(view.ipProto).toBe(IPPROTO.AH);
    const p = pastAh(into, view, frame)!;
    expect(p.ipProto).toBe(IPPROTO.TCP);
    expect(p.srcPort).toBe(40000);
    expect(p.payloadOffset).toBe(14 + 20 + 24 + 20);
    expect(frame.subarray(p.payloadOffset, p.payloadOffset + p.payloadLength).equals(login)).toBe(true);
    const plain = eth(ETHERTYPE.IPV4, ipv4(IPPROTO.TCP, tcp(40000, 110, login)));
    decodeFrame(view, plain, plain.length, plain.length, LINKTYPE.ETHERNET);
    expect(pastAh(into, view, plain)).toBeUndefined();
    // an AH header claiming more than the packet holds
    const cut = Buffer.from(frame);
    cut[14 + 20 + 1] = 200;
    decodeFrame(view, cut, cut.length, cut.length, LINKTYPE.ETHERNET);
    expect(pastAh(into, view, cut)).toBeUndefined();
  });

  it('masks the login behind AH, its TCP checksum made right', () => {
    const r = runFrames(dir, policy, timed([frame]));
    const d = Buffer.from(r.out.get('t')![0].data);
    const ip = 14;
    const tcpAt = ip + 20 + 24;
    // the session has no SYN: its first line is masked whole (picked up mid-way, it could end a secret begun before)
    expect(d.subarray(tcpAt + 20).toString('latin1')).toBe('********\r\nPASS *******\r\n');
    expect(l4ChecksumOk(d, ip, IPPROTO.TCP, tcpAt, 20 + login.length)).toBe(true);
    expect(r.groups[0].actions.mask['masked-undecided']).toBe(1);
  });
});
