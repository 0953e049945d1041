import { ETHERTYPE } from '../../fields/ethertype.js';
import { decodeEncapsulated } from '../decode/decode.js';
import { INNER_KIND, type PacketView } from '../decode/view.js';

/**
 * Ethernet pseudowires over MPLS (EoMPLS, VPLS: RFC 4448) for mask: after
 * the bottom label, a control word (RFC 4385: its first nibble 0, which no
 * IP packet has) and the customer's Ethernet frame. The decoder leaves such
 * a frame as MPLS (libpcap's rule: only nibble 4 or 6 is read on, as IP),
 * so a filter sees what tcpdump sees; mask reads on into the frame, as
 * Wireshark's pwethheuristic dissector does, so that a secret in it is
 * searched and masked like any other (design: docs/design/mask.md).
 */

/** The control word: four bytes, its first nibble 0 (the PW MPLS control word's, not an IP version). */
const CONTROL_WORD = 4;
const ETHERNET_HEADER = 14;

/** EtherTypes a pseudowire's frame is taken for Ethernet by: what carries IP, as a tagged or plain frame. */
function carriesIp(type: number): boolean {
  return (
    type === ETHERTYPE.IPV4 ||
    type === ETHERTYPE.IPV6 ||
    type === ETHERTYPE.VLAN ||
    type === ETHERTYPE.QINQ ||
    type === ETHERTYPE.QINQ_OLD ||
    type === ETHERTYPE.MPLS
  );
}

/**
 * The frame offset of the Ethernet frame an MPLS frame's pseudowire carries
 * after its control word, or -1: `v` the frame's view (no IP found after
 * its labels), d[0, length) its bytes.
 */
export function pseudowireAt(v: PacketView, d: Uint8Array, length: number): number {
  if (v.mplsCount <= 0 || v.ipVersion !== 0 || v.malformed !== 0 || v.l3Offset < 0) return -1;
  const cw = v.l3Offset;
  if (d[cw] >> 4 !== 0) return -1;
  const at = cw + CONTROL_WORD;
  if (length - at < ETHERNET_HEADER) return -1;
  return carriesIp((d[at + 12] << 8) | d[at + 13]) ? at : -1;
}

/** Decodes the pseudowire's frame at `at` (pseudowireAt) into `into` (a view made without an inner one). */
export function decodePseudowire(into: PacketView, v: PacketView, d: Uint8Array, at: number, length: number): void {
  decodeEncapsulated(into, d, at, length, INNER_KIND.ether, v.wireEnd);
}
