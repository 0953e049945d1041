import { TUNNEL } from '../../fields/fields.js';
import { IPPROTO } from '../../fields/ip-proto.js';
import { reasonCode } from '../decode/malformed.js';
import type { PacketView } from '../decode/view.js';

/*
 * The length checks strip makes before it hands on what a tunnel carried,
 * shared by the chain's strip and the walk's (PeeledTunnel), so that both
 * call the same packets malformed.
 */

/** Malformed reasons that leave an IP packet without a whole header. */
const BROKEN_IP_HEADER: ReadonlySet<number> = new Set(
  (
    [
      'truncated-ip',
      'bad-ip-version',
      'truncated-ipv4',
      'bad-ipv4-version',
      'bad-ipv4-header-length',
      'truncated-ipv6',
      'bad-ipv6-version',
    ] as const
  ).map(reasonCode),
);

/**
 * Whether the IP packet a tunnel carried at `off` (decoded into `v`) has its
 * whole header, and a length within its carrier's, which ends at `carrierEnd`
 * on the wire: a carrier whose length field cuts the packet short lies about
 * one of them (a capture cut short is not that: the lengths are the wire's).
 */
export function innerIpWhole(v: PacketView, off: number, carrierEnd: number): boolean {
  if (v.malformed && BROKEN_IP_HEADER.has(v.malformedReason)) return false;
  return !(v.ipHdrOffset === off && v.ipTotalLen > 0 && off + v.ipTotalLen > carrierEnd);
}

/**
 * Whether the length fields of the headers a tunnel level removes agree with
 * the IP packet that carries them (ending at `ipEnd` on the wire): a UDP
 * length other than the IP payload's, or a GTP-U length running past it, is a
 * header that lies about what follows (tshark calls it malformed), so the
 * packet is not the carrier's to hand on. A UDP length of 0 (jumbograms,
 * segmentation offload captures) says nothing.
 */
export function carrierAgrees(level: PacketView, d: Uint8Array, ipEnd: number): boolean {
  if (level.ipProto !== IPPROTO.UDP || level.l4Offset < 0 || level.ipTotalLen <= 0) return true;
  const u = level.l4Offset;
  const udpLen = (d[u + 4] << 8) | d[u + 5];
  if (udpLen !== 0 && u + udpLen !== ipEnd) return false;
  if (level.tunnel === TUNNEL.gtp) {
    const g = u + 8;
    const gtpEnd = g + 8 + ((d[g + 2] << 8) | d[g + 3]);
    if (gtpEnd > ipEnd) return false;
  }
  return true;
}
