import { ETHERTYPE } from '../../fields/ethertype.js';
import { LINKTYPE } from '../../fields/fields.js';
import { INNER_KIND, type PacketView } from '../decode/view.js';
import { L2Layout, readL2, TagKind } from './l2-layout.js';
import { carrierAgrees, innerIpWhole } from './strip-lengths.js';

/** The Ethernet addresses and EtherType a peeled IP packet goes behind. */
const ETHER_HEADER = 14;
/** A VLAN tag's TPID, before its body (L2Layout.tagLength). */
const TPID = 2;

/**
 * What strip makes of an Ethernet frame whose one tunnel it peels, when
 * that comes down to an edit of the frame's record (WalkedSteps). For an
 * IP packet carried (GRE, GTP-U, IP in IP), the bytes between the
 * addresses and that packet go (`drop`: tags, EtherType, carrier IP, GRE
 * or UDP and GTP-U headers) and `etherType` names it. For an Ethernet
 * frame carried (VXLAN, GRE bridging), that frame is the frame: the bytes
 * before it go (`lead`), and its VLAN tags when strip lists vlan (`drop`).
 * `wireLen` is strip's wire length (what is captured plus what the capture
 * missed of the carrier's IP packet).
 */
export class PeeledTunnel {
  lead = 0;
  drop = 0;
  etherType = 0;
  wireLen = 0;
  private readonly l2 = new L2Layout();

  /**
   * Whether strip, listing the frame's outermost tunnel (`tunnels`: its
   * StripConfig bits), peels exactly it and nothing else would differ from
   * dropping bytes: the tunnel carries an IP packet, or an Ethernet frame
   * with only VLAN tags before IPv4, IPv6 or ARP (strip removes the tags
   * when `stripVlan`, else keeps them), which carries no tunnel of its own
   * (strip would peel it too, or count it kept); no
   * fragment on either level (strip counts those apart); nothing
   * malformed; and the frame ends where the carrier's IP packet does (strip
   * ends the packet there: Ethernet padding or a trailer after it would
   * have to go); no length field lying (strip-lengths). `v` is the frame's view (offsets from the frame's start,
   * an Ethernet frame with no MPLS or PPPoE before the carrier), `d` its
   * bytes. False leaves the packet to the chain's strip.
   */
  of(v: PacketView, d: Uint8Array, tunnels: number, stripVlan: boolean, capLen: number, wireLen: number): boolean {
    const t = v.tunnel;
    if (t <= 0 || (tunnels & (1 << t)) === 0) return false;
    const kind = v.innerKind;
    if (kind === INNER_KIND.none || v.malformed !== 0 || v.fragment > 0) return false;
    const off = v.innerOffset;
    const inner = v.inner;
    // the view's inner packet is the innermost: it starts here only when it is the one this tunnel carries
    if (inner === v || (kind === INNER_KIND.ether ? inner.l2Offset : inner.l3Offset) !== off) return false;
    if (inner.innerKind !== INNER_KIND.none || inner.tunnel > 0 || inner.fragment > 0) return false;
    const end = v.payloadOffset + v.payloadLength;
    if (end !== capLen || off < ETHER_HEADER || off >= end) return false;
    // as strip: the carried packet ends where the IP packet carrying it does, captured or not
    const ipEnd = v.ipTotalLen > 0 ? v.ipHdrOffset + v.ipTotalLen : end;
    // headers whose lengths lie are strip's to count malformed
    if (!carrierAgrees(v, d, ipEnd)) return false;
    const missed = Math.max(0, Math.min(ipEnd - end, wireLen - capLen));
    if (kind === INNER_KIND.ip) {
      const version = d[off] >> 4;
      if (version !== 4 && version !== 6) return false;
      if (!innerIpWhole(inner, off, ipEnd)) return false;
      this.lead = 0;
      this.drop = off - ETHER_HEADER;
      this.etherType = version === 4 ? ETHERTYPE.IPV4 : ETHERTYPE.IPV6;
      this.wireLen = ETHER_HEADER + (end - off) + missed;
      return true;
    }
    // an Ethernet frame: its addresses, VLAN tags (the kept ones), its own EtherType (strip writes the one it read), the rest
    const l = this.l2;
    if (!readL2(l, d, off, end, LINKTYPE.ETHERNET) || l.macs !== off || l.pppoe >= 0 || l.mpls >= 0) return false;
    const type = l.netType;
    if (type !== ETHERTYPE.IPV4 && type !== ETHERTYPE.IPV6 && type !== ETHERTYPE.ARP) return false;
    let tagBytes = 0;
    for (let i = 0; i < l.tagCount; i++) {
      if (l.tagKind(i) !== TagKind.Vlan) return false;
      tagBytes += TPID + l.tagLength(i);
    }
    // the type right after the tags, the network layer right after it: the frame less its tags is strip's frame
    if (l.typeAt !== off + ETHER_HEADER - 2 + tagBytes || l.net !== l.typeAt + 2 || l.net > end) return false;
    this.lead = off;
    this.drop = stripVlan ? tagBytes : 0;
    this.etherType = 0;
    this.wireLen = end - off - this.drop + missed;
    return true;
  }
}
