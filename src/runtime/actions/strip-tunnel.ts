import { ETHERTYPE } from '../../fields/ethertype.js';
import { INNER_KIND, type PacketView } from '../decode/view.js';
import { ABSENT, LINKTYPE, TUNNEL } from '../../fields/fields.js';
import { IPPROTO } from '../../fields/ip-proto.js';
import { Walk } from '../walk/walk.js';
import { L2Layout, readL2, TagKind } from './l2-layout.js';
import { carrierAgrees, innerIpWhole } from './strip-lengths.js';
import { findTunnel, GTP_HEADER, TunnelAt } from './strip-tunnel-walk.js';

/** The Ethernet addresses and EtherType a peeled IP packet goes behind. */
const ETHER_HEADER = 14;
/** A VLAN tag's TPID, before its body (L2Layout.tagLength). */
const TPID = 2;
/** IPv6's fixed header, which its payload length does not count. */
const IPV6_HEADER = 40;

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
  /** The TUNNEL kind peeled (ofWalk). */
  tunnel = 0;
  lead = 0;
  drop = 0;
  etherType = 0;
  wireLen = 0;
  private readonly l2 = new L2Layout();
  private readonly at = new TunnelAt();
  /** The carried packet's walk (ofWalk). */
  private readonly innerWalk = new Walk();

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
    return this.etherFrame(d, 0, off, end, stripVlan, missed);
  }

  /**
   * What of() says for a walked Ethernet frame (w: no MPLS, no PPPoE, its
   * own headers well formed, not a fragment, a tunnel candidate), from the
   * walk's offsets, the tunnel header's bytes (findTunnel) and a walk of the
   * carried packet, without the decoder's view: true only where of() would
   * be true with the same lead, drop, EtherType and wire length. False is
   * "not known here" (of() then decides from the view): a tunnel kind or
   * header findTunnel leaves to the view, a carried packet that is
   * malformed, a fragment, or a tunnel candidate itself.
   */
  ofWalk(w: WalkedOffsets, tunnels: number, stripVlan: boolean, capLen: number, wireLen: number): boolean {
    const at = this.at;
    if (!findTunnel(w, at) || (tunnels & (1 << at.tunnel)) === 0) return false;
    this.tunnel = at.tunnel;
    const d = w.d;
    const o = w.o;
    // the carried packet ends where the carrier's payload does, which must be the frame's end (of(): end !== capLen)
    if (w.l4end !== w.end) return false;
    const end = capLen;
    const off = at.inner - o;
    if (off < ETHER_HEADER || off >= end) return false;
    // as of(): the carrier's IP packet's end by its length field (an IPv4 length of 0 says nothing)
    const ip = w.ip;
    const ipTotal = w.ipv === 4 ? (d[ip + 2] << 8) | d[ip + 3] : IPV6_HEADER + ((d[ip + 4] << 8) | d[ip + 5]);
    const ipEnd = ipTotal > 0 ? ip - o + ipTotal : end;
    // carrierAgrees: headers whose lengths lie are strip's to count malformed
    if (w.proto === IPPROTO.UDP && ipTotal > 0 && !udpAgrees(d, w.l4, o + ipEnd, at.tunnel)) return false;
    // the carried packet as the decoder's tunnel walk decodes it: its own wire end is the frame's
    const iw = this.innerWalk;
    const wireEnd = wireLen > capLen ? wireLen : capLen;
    iw.start(d, at.inner, end - off, wireEnd - off, at.kind === INNER_KIND.ip ? LINKTYPE.RAW : LINKTYPE.ETHERNET, 0);
    if (iw.bad !== 0 || iw.cand !== 0 || iw.frag > 0) return false;
    const missed = Math.max(0, Math.min(ipEnd - end, wireLen - capLen));
    if (at.kind === INNER_KIND.ip) {
      const ii = iw.ip;
      if (ii === ABSENT) return false;
      // innerIpWhole: the carried packet's length within its carrier's
      const total = iw.ipv === 4 ? (d[ii + 2] << 8) | d[ii + 3] : IPV6_HEADER + ((d[ii + 4] << 8) | d[ii + 5]);
      if (total > 0 && off + total > ipEnd) return false;
      this.lead = 0;
      this.drop = off - ETHER_HEADER;
      this.etherType = iw.ipv === 4 ? ETHERTYPE.IPV4 : ETHERTYPE.IPV6;
      this.wireLen = ETHER_HEADER + (end - off) + missed;
      return true;
    }
    return this.etherFrame(d, o, off, end, stripVlan, missed);
  }

  /**
   * of()'s end for a tunnel carrying an Ethernet frame, at `off` in the frame
   * that lies at `base` in `d` and ends at `end` (offsets from the frame's
   * start): only VLAN tags before IPv4, IPv6 or ARP.
   */
  private etherFrame(
    d: Uint8Array,
    base: number,
    off: number,
    end: number,
    stripVlan: boolean,
    missed: number,
  ): boolean {
    // its addresses, VLAN tags (the kept ones), its own EtherType (strip writes the one it read), the rest
    const l = this.l2;
    const at = base + off;
    if (!readL2(l, d, at, base + end, LINKTYPE.ETHERNET) || l.macs !== at || l.pppoe >= 0 || l.mpls >= 0) return false;
    const type = l.netType;
    if (type !== ETHERTYPE.IPV4 && type !== ETHERTYPE.IPV6 && type !== ETHERTYPE.ARP) return false;
    let tagBytes = 0;
    for (let i = 0; i < l.tagCount; i++) {
      if (l.tagKind(i) !== TagKind.Vlan) return false;
      tagBytes += TPID + l.tagLength(i);
    }
    // the type right after the tags, the network layer right after it: the frame less its tags is strip's frame
    if (l.typeAt !== at + ETHER_HEADER - 2 + tagBytes || l.net !== l.typeAt + 2 || l.net > base + end) return false;
    this.lead = off;
    this.drop = stripVlan ? tagBytes : 0;
    this.etherType = 0;
    this.wireLen = end - off - this.drop + missed;
    return true;
  }
}

/** What ofWalk() reads of a walk: its offsets (a Walk's, or the chunk loop's, from its generated walk's locals). */
export type WalkedOffsets = Pick<Walk, 'd' | 'o' | 'end' | 'ip' | 'ipv' | 'proto' | 'l4' | 'l4end'>;

/**
 * carrierAgrees() from the bytes: the UDP length (at `u`) reaches the
 * carrier's IP end (`ipEnd`, in the same buffer) unless 0, and a GTP-U
 * length does not run past it.
 */
function udpAgrees(d: Uint8Array, u: number, ipEnd: number, tunnel: number): boolean {
  const udpLen = (d[u + 4] << 8) | d[u + 5];
  if (udpLen !== 0 && u + udpLen !== ipEnd) return false;
  if (tunnel === TUNNEL.gtp) {
    const g = u + 8;
    if (g + GTP_HEADER + ((d[g + 2] << 8) | d[g + 3]) > ipEnd) return false;
  }
  return true;
}
