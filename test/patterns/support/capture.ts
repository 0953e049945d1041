import { writeFileSync } from 'node:fs';
import { ETHERTYPE } from '../../../src/fields/ethertype.js';
import { LINKTYPE } from '../../../src/fields/fields.js';
import { IPPROTO } from '../../../src/fields/ip-proto.js';
import { prependEthernet } from '../../../src/gen/build/ethernet.js';
import { PCAP_MAGIC_US, PCAP_VERSION_MAJOR, PCAP_VERSION_MINOR } from '../../../src/runtime/capture/magic.js';
import { prependIpv4 } from '../../../src/gen/build/ipv4.js';
import { TCP_FLAGS, prependTcp } from '../../../src/gen/build/tcp.js';
import { sumIp4 } from '../../../src/gen/checksum.js';
import { Frame } from '../../../src/gen/frame.js';

const MAC_A = Uint8Array.of(2, 0, 0, 0, 0, 1);
const MAC_B = Uint8Array.of(2, 0, 0, 0, 0, 2);
const SRC = 0x0a000001;
const DST = 0x0a000002;

/**
 * A classic pcap (Ethernet) of TCP segments 10.0.0.1:40000 > 10.0.0.2:80,
 * one per payload, in one session, with valid checksums: packets built with
 * the generator's own header builders.
 */
export function writeTcpCapture(path: string, payloads: Uint8Array[]): void {
  const parts: Buffer[] = [];
  const head = Buffer.alloc(24);
  head.writeUInt32LE(PCAP_MAGIC_US, 0);
  head.writeUInt16LE(PCAP_VERSION_MAJOR, 4);
  head.writeUInt16LE(PCAP_VERSION_MINOR, 6);
  head.writeUInt32LE(262144, 16);
  head.writeUInt32LE(LINKTYPE.ETHERNET, 20);
  parts.push(head);
  const f = new Frame();
  let seq = 1000;
  payloads.forEach((payload, i) => {
    f.reset();
    f.append(payload);
    const pseudo = sumIp4(SRC) + sumIp4(DST);
    prependTcp(
      f,
      { srcPort: 40000, dstPort: 80, seq, ack: 1, flags: TCP_FLAGS.ACK | TCP_FLAGS.PSH, window: 65535, mss: 0 },
      pseudo,
    );
    seq += payload.length;
    prependIpv4(f, { src: SRC, dst: DST, proto: IPPROTO.TCP, ttl: 64, id: i, dscp: 0, dontFragment: true });
    prependEthernet(f, MAC_B, MAC_A, ETHERTYPE.IPV4);
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(1_700_000_000 + i, 0);
    rec.writeUInt32LE(f.length, 8);
    rec.writeUInt32LE(f.length, 12);
    parts.push(rec, Buffer.from(f.buf.subarray(f.start, f.end)));
  });
  writeFileSync(path, Buffer.concat(parts));
}
