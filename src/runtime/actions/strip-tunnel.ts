import { ETHERTYPE } from '../../fields/ethertype.js';
import { INNER_KIND, type PacketView } from '../decode/view.js';

/** The Ethernet addresses and EtherType a peeled IP packet goes behind. */
const ETHER_HEADER = 14;

/**
 * What strip makes of an Ethernet frame whose one tunnel it peels, when
 * that comes down to an edit of the frame's record (WalkedSteps): the
 * bytes between the addresses and the carried IP packet go (`drop`: tags,
 * EtherType, carrier IP, GRE or UDP and GTP-U headers), `etherType` names
 * the IP packet, and `wireLen` is strip's wire length (what is captured
 * plus what the capture missed of the carrier's IP packet).
 */
export class PeeledTunnel {
  drop = 0;
  etherType = 0;
  wireLen = 0;

  /**
   * Whether strip, listing the frame's outermost tunnel (`tunnels`: its
   * StripConfig bits), peels exactly it and nothing else would differ from
   * dropping bytes: the tunnel carries an IP packet (not an Ethernet frame:
   * VXLAN's and GRE bridging's replace the addresses), which carries no
   * tunnel of its own (strip would peel it too, or count it kept); no
   * fragment on either level (strip counts those apart); nothing
   * malformed; and the frame ends where the carrier's IP packet does (strip
   * ends the packet there: Ethernet padding or a trailer after it would
   * have to go). `v` is the frame's view (offsets from the frame's start,
   * an Ethernet frame with no MPLS or PPPoE before the carrier), `d` its
   * bytes. False leaves the packet to the chain's strip.
   */
  of(v: PacketView, d: Uint8Array, tunnels: number, capLen: number, wireLen: number): boolean {
    const t = v.tunnel;
    if (t <= 0 || (tunnels & (1 << t)) === 0) return false;
    if (v.innerKind !== INNER_KIND.ip || v.malformed !== 0 || v.fragment > 0) return false;
    const off = v.innerOffset;
    const inner = v.inner;
    // the view's inner packet is the innermost: it starts here only when it is the one this tunnel carries
    if (inner === v || inner.l3Offset !== off) return false;
    if (inner.innerKind !== INNER_KIND.none || inner.tunnel > 0 || inner.fragment > 0) return false;
    const end = v.payloadOffset + v.payloadLength;
    if (end !== capLen || off < ETHER_HEADER || off >= end) return false;
    const version = d[off] >> 4;
    if (version !== 4 && version !== 6) return false;
    // as strip: the carried packet ends where the IP packet carrying it does, captured or not
    const ipEnd = v.ipTotalLen > 0 ? v.ipHdrOffset + v.ipTotalLen : end;
    const missed = Math.max(0, Math.min(ipEnd - end, wireLen - capLen));
    this.drop = off - ETHER_HEADER;
    this.etherType = version === 4 ? ETHERTYPE.IPV4 : ETHERTYPE.IPV6;
    this.wireLen = ETHER_HEADER + (end - off) + missed;
    return true;
  }
}
