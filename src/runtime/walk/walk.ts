import { LoadLayer } from '../../codegen/field-reads.js';
import { ETHERTYPE } from '../../fields/ethertype.js';
import { ABSENT, LINKTYPE } from '../../fields/fields.js';
import { IPPROTO } from '../../fields/ip-proto.js';
import { ARPHRD, BSD_AF } from '../../fields/link-headers.js';
import { UDP_PORT } from '../../fields/ports.js';
import { PPP_PROTO } from '../../fields/ppp.js';
import { decodeFrame } from '../decode/decode.js';
import { isChdlcAddress } from '../decode/chdlc.js';
import { PacketView } from '../decode/view.js';

/** vlanCount and mplsCount are 4-bit fields: deeper stacks are malformed, as the decoder has them. */
const MAX_TAGS = 15;
const MAX_LABELS = 15;

/**
 * The per-packet walk of the generated packet path: one frame, lying in a
 * larger buffer (a read chunk) at `o`, walked by offset from the link layer
 * to the transport header with the decoder's validity rules, and nothing
 * decoded that the walk does not need to find the next layer. What the walk
 * leaves are offsets and the few values it had to read on the way (the
 * EtherType after the tags, the stacks, the IP protocol, the fragment kind):
 * the generated classifier loads every other field from the bytes where the
 * match graph reads it (src/codegen/field-reads.ts says how, field by field).
 *
 * It mirrors runtime/decode layer for layer, and differential tests hold
 * the two to the same values for every field on every corpus frame, fuzzed
 * and generated frames, and every cut of them. Tunnels are not walked here:
 * a packet that may carry one (GRE, IP in IP, L2TP, a UDP tunnel port) is
 * flagged (`cand`), and whatever reads the tunnel or the packet inside it
 * gets the full decoder's view of that packet (view()), made once, only then.
 *
 * `bad` is the frame's own headers found malformed (link layer through the
 * transport header, by the decoder's rules): what a tap's `malformed`
 * counter counts on both paths, whatever the policy reads (the decoder's
 * `headersMalformed`). Tunnel headers and the packets inside them are not
 * checked here (docs/cli.md, "The packet path").
 *
 * Nothing is allocated per packet: one Walk per thread, its numbers
 * overwritten by start().
 */
export class Walk {
  /** The buffer holding the frame, and where the frame lies in it: [o, end). */
  d: Uint8Array = new Uint8Array(0);
  o = 0;
  end = 0;
  /** Where the bytes of the packet on the wire end (length fields past it are malformed; past `end`, a snap cut). */
  wireEnd = 0;
  wire = 0;
  lt = 0;
  tap = 0;
  /** The captured length as given (the frame's view, when one is made, is this long). */
  private capLen = 0;
  /** d's buffer and where d starts in it. */
  private buf: ArrayBufferLike = new ArrayBuffer(0);
  private bufOffset = 0;

  // link layer
  l2 = ABSENT;
  /** Offsets of the Ethernet destination and source addresses, where captured (and, for cooked captures, known). */
  dst = ABSENT;
  src = ABSENT;
  oet = ABSENT;
  et = ABSENT;
  vc = 0;
  v0 = ABSENT;
  v1 = ABSENT;
  vp0 = ABSENT;
  mc = 0;
  m0 = ABSENT;
  m1 = ABSENT;
  ps = ABSENT;

  // network layer
  l3 = ABSENT;
  /** 4 or 6 once a whole fixed IP header was captured (then `ip` is its offset), else 0. */
  ipv = 0;
  ip = ABSENT;
  proto = ABSENT;
  frag = ABSENT;
  /** Ethernet/IPv4 ARP with its addresses captured: the ARP header's offset. */
  arp = ABSENT;

  // transport layer
  l4 = ABSENT;
  /** Where the transport layer's bytes end (the IP length, or the capture). */
  l4end = ABSENT;
  /** TCP, UDP or SCTP with both ports captured: the transport header's offset. */
  pt = ABSENT;
  /** TCP with its flags captured. */
  tcp = ABSENT;
  /** ICMP or ICMPv6 with its type captured. */
  icmp = ABSENT;

  /** 1 when the frame's own headers are malformed. */
  bad = 0;
  /** 1 when the packet may carry a tunnel: its tunnel fields and inner packet come from view(). */
  cand = 0;

  private readonly full = new PacketView();
  private viewMade = false;
  /** The frame's array the view was decoded from (valid while viewMade). */
  private frameView: Uint8Array = new Uint8Array(0);

  /** Walks one frame: `capLen` bytes at d[o], of link type `linkType`, `wireLen` long on the wire. */
  start(d: Uint8Array, o: number, capLen: number, wireLen: number, linkType: number, tap: number): void {
    // as decodeFrame: NaN, negative and fractional lengths cannot widen the window
    const n = capLen >= 0 ? Math.min(Math.floor(capLen), d.length - o) : 0;
    const wire = wireLen >= 0 ? Math.min(Math.floor(wireLen), 0xffffffff) : 0;
    // most frames lie in the same read chunk as the last: no stores (and no write barriers) for them
    if (this.d !== d) {
      this.d = d;
      // d.buffer is a call into the runtime: taken once a chunk, for frame()
      this.buf = d.buffer;
      this.bufOffset = d.byteOffset;
    }
    this.o = o;
    this.capLen = n;
    this.end = o + n;
    this.wire = wire;
    this.wireEnd = o + (wire > n ? wire : n);
    const type = linkType & 0xffff;
    this.lt = type;
    this.tap = tap;
    this.viewMade = false;
    this.l2 = ABSENT;
    this.dst = ABSENT;
    this.src = ABSENT;
    this.oet = ABSENT;
    this.et = ABSENT;
    this.vc = 0;
    this.v0 = ABSENT;
    this.v1 = ABSENT;
    this.vp0 = ABSENT;
    this.mc = 0;
    this.m0 = ABSENT;
    this.m1 = ABSENT;
    this.ps = ABSENT;
    this.l3 = ABSENT;
    this.ipv = 0;
    this.ip = ABSENT;
    this.proto = ABSENT;
    this.frag = ABSENT;
    this.arp = ABSENT;
    this.l4 = ABSENT;
    this.l4end = ABSENT;
    this.pt = ABSENT;
    this.tcp = ABSENT;
    this.icmp = ABSENT;
    this.bad = 0;
    this.cand = 0;
    const end = this.end;
    switch (type) {
      case LINKTYPE.ETHERNET:
        this.ethernet(d, o, end);
        break;
      case LINKTYPE.NULL:
      case LINKTYPE.LOOP:
        this.nullLink(d, o, end);
        break;
      case LINKTYPE.PPP:
        this.pppLink(d, o, end);
        break;
      case LINKTYPE.PPP_HDLC:
        if (end > o && isChdlcAddress(d[o])) this.chdlc(d, o, end);
        else this.pppLink(d, o, end);
        break;
      case LINKTYPE.C_HDLC:
        this.chdlc(d, o, end);
        break;
      case LINKTYPE.RAW:
      case LINKTYPE.RAW_DLT12:
      case LINKTYPE.RAW_DLT14:
        this.rawIp(d, o, end);
        break;
      case LINKTYPE.IPV4:
        this.et = ETHERTYPE.IPV4;
        this.ipv4(d, o, end);
        break;
      case LINKTYPE.IPV6:
        this.et = ETHERTYPE.IPV6;
        this.ipv6(d, o, end);
        break;
      case LINKTYPE.LINUX_SLL:
        this.sll(d, o, end);
        break;
      case LINKTYPE.LINUX_SLL2:
        this.sll2(d, o, end);
        break;
      default:
    }
  }

  /**
   * The frame's place for a walk generated into the chunk loop
   * (codegen/spine.ts), which keeps its offsets in locals and stores only
   * the state its policy reads: what view(), frame() and load() need. `n`
   * lies within `d` and `wire` is a record header's 32-bit length (the loop
   * checked both); the link type and tap are set by `place`, once a chunk.
   */
  begin(d: Uint8Array, o: number, n: number, wire: number): void {
    if (this.d !== d) {
      this.d = d;
      this.buf = d.buffer;
      this.bufOffset = d.byteOffset;
    }
    this.o = o;
    this.capLen = n;
    this.end = o + n;
    this.wire = wire;
    this.viewMade = false;
  }

  /** The link type and tap of the frames begin() places (a chunk's). */
  place(linkType: number, tap: number): void {
    this.lt = linkType & 0xffff;
    this.tap = tap;
  }

  /**
   * The full decoder's view of this frame (with its tunnels and inner
   * packet), made on first call for the packet: for what the walk leaves out
   * (tunnels, payload tests, actions). Valid until the next start().
   */
  view(): PacketView {
    if (this.viewMade) return this.full;
    const v = this.full;
    v.tap = this.tap;
    const f = this.frame();
    this.frameView = f;
    decodeFrame(v, f, this.capLen, this.wire, this.lt);
    this.viewMade = true;
    return v;
  }

  /** Whether view() was made for this packet. */
  get viewed(): boolean {
    return this.viewMade;
  }

  /** The frame as an array of its own: the view's, once view() was made; else a new one each call. */
  frame(): Uint8Array {
    // not kept unless the view was made: a new array stored in the walk would cost a write barrier a packet
    return this.viewMade ? this.frameView : new Uint8Array(this.buf, this.bufOffset + this.o, this.capLen);
  }

  /** The tunnel field: 0 unless the packet may carry one. */
  tunnel(): number {
    return this.cand === 0 ? 0 : this.view().tunnel;
  }

  tunnelId(): number {
    return this.cand === 0 ? ABSENT : this.view().tunnelId;
  }

  /**
   * A byte load of `size` bytes at `offset` into a layer, as pcap's
   * `proto[offset:size]`: the unsigned value, or ABSENT when the packet has
   * no such layer or is too short (runtime/classify/predicates.ts layerBase).
   */
  load(layer: number, offset: number, size: number): number {
    let base: number;
    switch (layer) {
      case LoadLayer.Ether:
        base = this.l2 >= 0 ? this.l2 : this.o;
        break;
      case LoadLayer.Ip:
        base = this.ipv === 4 ? this.ip : ABSENT;
        break;
      case LoadLayer.Ip6:
        base = this.ipv === 6 ? this.ip : ABSENT;
        break;
      case LoadLayer.Arp:
        base = this.et === ETHERTYPE.ARP ? this.l3 : ABSENT;
        break;
      case LoadLayer.Tcp:
        base = this.proto === IPPROTO.TCP && this.frag !== 2 ? this.l4 : ABSENT;
        break;
      case LoadLayer.Udp:
        base = this.proto === IPPROTO.UDP && this.frag !== 2 ? this.l4 : ABSENT;
        break;
      case LoadLayer.Sctp:
        base = this.proto === IPPROTO.SCTP && this.frag !== 2 ? this.l4 : ABSENT;
        break;
      case LoadLayer.Icmp:
        base = this.proto === IPPROTO.ICMP && this.frag !== 2 ? this.l4 : ABSENT;
        break;
      case LoadLayer.Icmp6:
        base = this.proto === IPPROTO.ICMPV6 && this.frag !== 2 ? this.l4 : ABSENT;
        break;
      default:
        base = ABSENT;
    }
    if (base < 0) return ABSENT;
    const at = base + offset;
    if (at + size > this.end) return ABSENT;
    const d = this.d;
    if (size === 1) return d[at];
    if (size === 2) return (d[at] << 8) | d[at + 1];
    return ((d[at] << 24) | (d[at + 1] << 16) | (d[at + 2] << 8) | d[at + 3]) >>> 0;
  }

  // --- link layers (runtime/decode: ethernet.ts, null.ts, ppp.ts, chdlc.ts, raw.ts, sll.ts)

  private ethernet(d: Uint8Array, off: number, end: number): void {
    const n = end - off;
    if (n <= 0) {
      this.bad = 1;
      return;
    }
    this.l2 = off;
    if (n < 14) {
      if (n >= 6) this.dst = off;
      if (n >= 12) this.src = off + 6;
      this.bad = 1;
      return;
    }
    this.dst = off;
    this.src = off + 6;
    const type = (d[off + 12] << 8) | d[off + 13];
    this.oet = type;
    this.etherPayload(d, off + 14, end, type);
  }

  private nullLink(d: Uint8Array, off: number, end: number): void {
    if (off >= end) {
      this.bad = 1;
      return;
    }
    this.l2 = off;
    if (end - off < 4) {
      this.bad = 1;
      return;
    }
    let family = ((d[off] << 24) | (d[off + 1] << 16) | (d[off + 2] << 8) | d[off + 3]) >>> 0;
    if (family & 0xffff0000) family = d[off] | (d[off + 1] << 8) | (d[off + 2] << 16) | (d[off + 3] << 24);
    const p = off + 4;
    switch (family) {
      case BSD_AF.INET:
        this.et = ETHERTYPE.IPV4;
        this.ipv4(d, p, end);
        return;
      case BSD_AF.INET6_BSD:
      case BSD_AF.INET6_FREEBSD:
      case BSD_AF.INET6_DARWIN:
        this.et = ETHERTYPE.IPV6;
        this.ipv6(d, p, end);
        return;
      default:
        if (p < end) this.l3 = p;
    }
  }

  private pppLink(d: Uint8Array, off: number, end: number): void {
    if (off >= end) {
      this.bad = 1;
      return;
    }
    this.l2 = off;
    this.pppFrame(d, off, end);
  }

  /** A PPP header at `off` (address/control optional, protocol compressed or not), then its payload. */
  private pppFrame(d: Uint8Array, off: number, end: number): void {
    let p = off;
    if (p < end && d[p] === 0xff) p += 2;
    if (p >= end) {
      this.bad = 1;
      return;
    }
    let protocol = d[p];
    if (protocol & 1) p += 1;
    else {
      if (end - p < 2) {
        this.bad = 1;
        return;
      }
      protocol = (d[p] << 8) | d[p + 1];
      p += 2;
    }
    switch (protocol) {
      case PPP_PROTO.IPV4:
        this.et = ETHERTYPE.IPV4;
        this.ipv4(d, p, end);
        return;
      case PPP_PROTO.IPV6:
        this.et = ETHERTYPE.IPV6;
        this.ipv6(d, p, end);
        return;
      case PPP_PROTO.MPLS:
        this.et = ETHERTYPE.MPLS;
        this.mpls(d, p, end);
        return;
      case PPP_PROTO.MPLS_MULTICAST:
        this.et = ETHERTYPE.MPLS_MULTICAST;
        this.mpls(d, p, end);
        return;
      default:
        if (p < end) this.l3 = p;
    }
  }

  private chdlc(d: Uint8Array, off: number, end: number): void {
    if (off >= end) {
      this.bad = 1;
      return;
    }
    this.l2 = off;
    if (end - off < 4) {
      this.bad = 1;
      return;
    }
    const type = (d[off + 2] << 8) | d[off + 3];
    if (type === ETHERTYPE.RARP) {
      // SLARP, not ARP-shaped
      this.et = type;
      if (off + 4 < end) this.l3 = off + 4;
      return;
    }
    this.network(d, off + 4, end, type);
  }

  private rawIp(d: Uint8Array, off: number, end: number): void {
    if (off >= end) {
      this.bad = 1;
      return;
    }
    const version = d[off] >> 4;
    if (version === 4) {
      this.et = ETHERTYPE.IPV4;
      this.ipv4(d, off, end);
    } else if (version === 6) {
      this.et = ETHERTYPE.IPV6;
      this.ipv6(d, off, end);
    } else {
      this.l3 = off;
      this.bad = 1;
    }
  }

  private sll(d: Uint8Array, off: number, end: number): void {
    if (off >= end) {
      this.bad = 1;
      return;
    }
    this.l2 = off;
    if (end - off < 16) {
      this.bad = 1;
      return;
    }
    if (((d[off + 2] << 8) | d[off + 3]) === ARPHRD.ETHER && ((d[off + 4] << 8) | d[off + 5]) === 6) this.src = off + 6;
    const proto = (d[off + 14] << 8) | d[off + 15];
    this.oet = proto;
    this.etherPayload(d, off + 16, end, proto);
  }

  private sll2(d: Uint8Array, off: number, end: number): void {
    if (off >= end) {
      this.bad = 1;
      return;
    }
    this.l2 = off;
    if (end - off < 20) {
      this.bad = 1;
      return;
    }
    if (((d[off + 8] << 8) | d[off + 9]) === ARPHRD.ETHER && d[off + 11] === 6) this.src = off + 12;
    const proto = (d[off] << 8) | d[off + 1];
    this.oet = proto;
    this.etherPayload(d, off + 20, end, proto);
  }

  // --- between link and network layer (ethertype.ts, vlan.ts, mpls.ts, pppoe.ts)

  private etherPayload(d: Uint8Array, off: number, end: number, type: number): void {
    if (type === ETHERTYPE.VLAN || type === ETHERTYPE.QINQ || type === ETHERTYPE.QINQ_OLD) {
      let count = 0;
      for (;;) {
        if (end - off < 2) {
          this.bad = 1;
          return;
        }
        const tci = (d[off] << 8) | d[off + 1];
        if (count === 0) {
          this.v0 = tci & 0x0fff;
          this.vp0 = tci >> 13;
        } else if (count === 1) this.v1 = tci & 0x0fff;
        count++;
        this.vc = count;
        if (end - off < 4) {
          this.bad = 1;
          return;
        }
        type = (d[off + 2] << 8) | d[off + 3];
        off += 4;
        if (type !== ETHERTYPE.VLAN && type !== ETHERTYPE.QINQ && type !== ETHERTYPE.QINQ_OLD) break;
        if (count === MAX_TAGS) {
          this.bad = 1;
          return;
        }
      }
    }
    this.network(d, off, end, type);
  }

  private network(d: Uint8Array, off: number, end: number, type: number): void {
    this.et = type;
    switch (type) {
      case ETHERTYPE.IPV4:
        this.ipv4(d, off, end);
        return;
      case ETHERTYPE.IPV6:
        this.ipv6(d, off, end);
        return;
      case ETHERTYPE.ARP:
      case ETHERTYPE.RARP:
        this.arpHeader(d, off, end);
        return;
      case ETHERTYPE.MPLS:
      case ETHERTYPE.MPLS_MULTICAST:
        this.mpls(d, off, end);
        return;
      case ETHERTYPE.PPPOE_SESSION:
        if (end - off < 4) {
          this.bad = 1;
          return;
        }
        this.ps = (d[off + 2] << 8) | d[off + 3];
        if (end - off < 6) {
          this.bad = 1;
          return;
        }
        this.pppFrame(d, off + 6, end);
        return;
      default:
        if (off < end) this.l3 = off;
    }
  }

  private mpls(d: Uint8Array, off: number, end: number): void {
    let count = 0;
    for (;;) {
      if (end - off < 4) {
        this.bad = 1;
        return;
      }
      const label = (d[off] << 12) | (d[off + 1] << 4) | (d[off + 2] >> 4);
      if (count === 0) this.m0 = label;
      else if (count === 1) this.m1 = label;
      count++;
      this.mc = count;
      const bottom = d[off + 2] & 1;
      off += 4;
      if (bottom) break;
      if (count === MAX_LABELS) {
        this.bad = 1;
        return;
      }
    }
    if (off >= end) {
      this.bad = 1;
      return;
    }
    const version = d[off] >> 4;
    if (version === 4) {
      this.et = ETHERTYPE.IPV4;
      this.ipv4(d, off, end);
    } else if (version === 6) {
      this.et = ETHERTYPE.IPV6;
      this.ipv6(d, off, end);
    } else this.l3 = off;
  }

  private arpHeader(d: Uint8Array, off: number, end: number): void {
    if (off < end) this.l3 = off;
    if (end - off < 8) {
      this.bad = 1;
      return;
    }
    const hlen = d[off + 4];
    const plen = d[off + 5];
    if (end - off < 8 + 2 * (hlen + plen)) {
      this.bad = 1;
      return;
    }
    if (
      ((d[off] << 8) | d[off + 1]) === ARPHRD.ETHER &&
      ((d[off + 2] << 8) | d[off + 3]) === ETHERTYPE.IPV4 &&
      hlen === 6 &&
      plen === 4
    )
      this.arp = off;
  }

  // --- network layer (ipv4.ts, ipv6.ts)

  private ipv4(d: Uint8Array, off: number, end: number): void {
    if (off >= end) {
      this.bad = 1;
      return;
    }
    this.l3 = off;
    const b0 = d[off];
    if (b0 >> 4 !== 4 || end - off < 20) {
      this.bad = 1;
      return;
    }
    this.ipv = 4;
    this.ip = off;
    const fragField = (d[off + 6] << 8) | d[off + 7];
    const fragment = fragField & 0x1fff ? 2 : fragField & 0x2000 ? 1 : 0;
    this.frag = fragment;
    const proto = d[off + 9];
    this.proto = proto;
    const headerLen = (b0 & 0x0f) << 2;
    if (headerLen < 20 || end - off < headerLen) {
      this.bad = 1;
      return;
    }
    let ipEnd = end;
    const totalLen = (d[off + 2] << 8) | d[off + 3];
    if (totalLen !== 0) {
      if (totalLen < headerLen) {
        this.bad = 1;
        return;
      }
      // past the packet on the wire: malformed, and decoded on over what there is
      if (off + totalLen > this.wireEnd) this.bad = 1;
      if (off + totalLen < ipEnd) ipEnd = off + totalLen;
    }
    this.transport(d, off + headerLen, ipEnd, proto, fragment);
  }

  private ipv6(d: Uint8Array, off: number, end: number): void {
    if (off >= end) {
      this.bad = 1;
      return;
    }
    this.l3 = off;
    if (d[off] >> 4 !== 6 || end - off < 40) {
      this.bad = 1;
      return;
    }
    this.ipv = 6;
    this.ip = off;
    const payloadLen = (d[off + 4] << 8) | d[off + 5];
    let ipEnd = end;
    if (payloadLen !== 0) {
      if (off + 40 + payloadLen > this.wireEnd) this.bad = 1;
      if (off + 40 + payloadLen < ipEnd) ipEnd = off + 40 + payloadLen;
    }
    let next = d[off + 6];
    let p = off + 40;
    let fragment = 0;
    this.frag = 0;
    for (;;) {
      let len: number;
      if (
        next === IPPROTO.HOPOPTS ||
        next === IPPROTO.ROUTING ||
        next === IPPROTO.DSTOPTS ||
        next === IPPROTO.MOBILITY
      ) {
        if (ipEnd - p < 2) break;
        len = (d[p + 1] + 1) << 3;
      } else if (next === IPPROTO.AH) {
        if (ipEnd - p < 2) break;
        len = (d[p + 1] + 2) << 2;
      } else if (next === IPPROTO.FRAGMENT) {
        len = 8;
      } else {
        this.proto = next;
        this.transport(d, p, ipEnd, next, fragment);
        return;
      }
      if (ipEnd - p < len) break;
      if (next === IPPROTO.FRAGMENT) {
        const offsetAndMore = (d[p + 2] << 8) | d[p + 3];
        const kind = offsetAndMore & 0xfff8 ? 2 : offsetAndMore & 1 ? 1 : 0;
        // a second fragment header cannot undo the first
        if (kind > fragment) fragment = kind;
        this.frag = fragment;
        if (fragment === 2) {
          next = d[p];
          this.proto = next;
          this.transport(d, p + len, ipEnd, next, fragment);
          return;
        }
      }
      next = d[p];
      p += len;
    }
    this.bad = 1;
  }

  // --- transport layer (transport.ts, tcp.ts, udp.ts, icmp.ts, sctp.ts)

  /** [off, end) is the IP payload, end clipped to the IP length. A later fragment has no transport header. */
  private transport(d: Uint8Array, off: number, end: number, proto: number, fragment: number): void {
    if (fragment === 2) return;
    if (off < end) this.l4 = off;
    this.l4end = end;
    const n = end - off;
    switch (proto) {
      case IPPROTO.TCP:
        if (n >= 4) this.pt = off;
        if (n < 14) {
          this.bad = 1;
          return;
        }
        this.tcp = off;
        {
          const headerLen = (d[off + 12] >> 4) << 2;
          if (headerLen < 20 || n < headerLen) this.bad = 1;
        }
        return;
      case IPPROTO.UDP:
        if (n < 4) {
          this.bad = 1;
          return;
        }
        this.pt = off;
        if (n < 8) {
          this.bad = 1;
          return;
        }
        {
          const len = (d[off + 4] << 8) | d[off + 5];
          if (len !== 0 && len < 8) this.bad = 1;
          if (isTunnelPort((d[off + 2] << 8) | d[off + 3]) || isTunnelPort((d[off] << 8) | d[off + 1])) this.cand = 1;
        }
        return;
      case IPPROTO.ICMP:
      case IPPROTO.ICMPV6:
        if (n >= 1) this.icmp = off;
        if (n < 8) this.bad = 1;
        return;
      case IPPROTO.SCTP:
        if (n >= 4) this.pt = off;
        if (n < 12) this.bad = 1;
        return;
      case IPPROTO.GRE:
      case IPPROTO.IPIP:
      case IPPROTO.IPV6:
      case IPPROTO.L2TP:
        this.cand = 1;
        return;
      default:
    }
  }
}

/** The UDP ports whose payload the decoder looks at for a tunnel (runtime/decode/udp.ts). */
function isTunnelPort(port: number): boolean {
  return (
    port === UDP_PORT.VXLAN ||
    port === UDP_PORT.GENEVE ||
    port === UDP_PORT.GTP_U ||
    port === UDP_PORT.L2TP ||
    port === UDP_PORT.TEREDO
  );
}
