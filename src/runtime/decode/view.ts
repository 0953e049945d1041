import { ABSENT } from '../../fields/fields.js';

/** What `innerOffset` points at, as stored in `innerKind`. */
export const INNER_KIND = Object.freeze({
  none: 0,
  ether: 1,
  /** IPv4 or IPv6, told apart by the version nibble. */
  ip: 2,
} as const);

/**
 * One decoded frame as flat numeric properties, reused for every packet so
 * that decoding allocates nothing. The first block mirrors FIELDS name for
 * name (the compiled match graph reads them directly); the second block is
 * for the runtime (slicing, payload inspection, diagnostics). Every property
 * is initialised here in one fixed order so all views share one hidden class.
 */
export class PacketView {
  // --- FIELDS, in the same order as src/fields/fields.ts
  tap = ABSENT;
  linkType = ABSENT;
  etherType = ABSENT;
  outerEtherType = ABSENT;
  ipProto = ABSENT;
  dstPort = ABSENT;
  srcPort = ABSENT;
  ip4Dst = ABSENT;
  ip4Src = ABSENT;
  ip6Dst0 = ABSENT;
  ip6Dst1 = ABSENT;
  ip6Dst2 = ABSENT;
  ip6Dst3 = ABSENT;
  ip6Src0 = ABSENT;
  ip6Src1 = ABSENT;
  ip6Src2 = ABSENT;
  ip6Src3 = ABSENT;
  ethDst = ABSENT;
  ethSrc = ABSENT;
  ethMulticast = ABSENT;
  vlanCount = ABSENT;
  vlan0 = ABSENT;
  vlan1 = ABSENT;
  vlanPri0 = ABSENT;
  mplsCount = ABSENT;
  mpls0 = ABSENT;
  mpls1 = ABSENT;
  pppoeSession = ABSENT;
  tcpFlags = ABSENT;
  icmpType = ABSENT;
  icmpCode = ABSENT;
  ttl = ABSENT;
  dscp = ABSENT;
  fragment = ABSENT;
  wireLen = ABSENT;
  tunnel = ABSENT;
  tunnelId = ABSENT;
  pktType = ABSENT;
  ifIndex = ABSENT;
  llcDsap = ABSENT;
  llcSsap = ABSENT;
  llcControl = ABSENT;
  snapOui = ABSENT;
  snapType = ABSENT;
  osiNlpid = ABSENT;
  isisPduType = ABSENT;

  // --- runtime extras. Offsets index the frame; header offsets are < capLen,
  // payloadOffset may equal capLen when the payload is empty.
  l2Offset = ABSENT;
  l3Offset = ABSENT;
  l4Offset = ABSENT;
  payloadOffset = ABSENT;
  /** Captured payload bytes only, clipped to the IP length (no Ethernet padding). */
  payloadLength = ABSENT;
  /** 0 when the packet has no (valid) IP header. */
  ipVersion = 0;
  ipHdrOffset = ABSENT;
  /** IPv4 total length, or 40 + IPv6 payload length, as the header says. */
  ipTotalLen = ABSENT;
  tcpSeq = ABSENT;
  tcpAck = ABSENT;
  tcpHdrLen = ABSENT;
  /** Start of the packet this view's tunnel carries (its decode is in `inner`). */
  innerOffset = ABSENT;
  /** An INNER_KIND value. */
  innerKind = 0;
  malformed = 0;
  /** Index into MALFORMED_REASONS; 0 when not malformed. */
  malformedReason = 0;
  /**
   * 1 when the frame's own headers, link layer through transport header, are
   * malformed: `malformed` less what tunnel headers and the packets inside
   * them marked (set by decodeFrame; what a tap's `malformed` counter counts).
   */
  headersMalformed = 0;
  /**
   * Where the bytes of the packet on the wire end, as a frame offset: a
   * length field reaching past it is malformed, while one merely past capLen
   * is a snap-length cut. Set by decodeFrame; not a field.
   */
  wireEnd = 0;

  /**
   * The innermost packet of the outermost tunnel, all ABSENT when there is
   * no tunnel. The inner view has no inner of its own: its `inner` is itself,
   * which decodeFrame never decodes into (nested tunnels are walked through
   * this one view), so this costs one allocation, not a chain.
   */
  readonly inner: PacketView;

  constructor(withInner = true) {
    this.inner = withInner ? new PacketView(false) : this;
  }

  /** Back to "nothing decoded". A straight list: no loop over keys. */
  reset(): void {
    this.tap = ABSENT;
    this.linkType = ABSENT;
    this.etherType = ABSENT;
    this.outerEtherType = ABSENT;
    this.ipProto = ABSENT;
    this.dstPort = ABSENT;
    this.srcPort = ABSENT;
    this.ip4Dst = ABSENT;
    this.ip4Src = ABSENT;
    this.ip6Dst0 = ABSENT;
    this.ip6Dst1 = ABSENT;
    this.ip6Dst2 = ABSENT;
    this.ip6Dst3 = ABSENT;
    this.ip6Src0 = ABSENT;
    this.ip6Src1 = ABSENT;
    this.ip6Src2 = ABSENT;
    this.ip6Src3 = ABSENT;
    this.ethDst = ABSENT;
    this.ethSrc = ABSENT;
    this.ethMulticast = ABSENT;
    this.vlanCount = ABSENT;
    this.vlan0 = ABSENT;
    this.vlan1 = ABSENT;
    this.vlanPri0 = ABSENT;
    this.mplsCount = ABSENT;
    this.mpls0 = ABSENT;
    this.mpls1 = ABSENT;
    this.pppoeSession = ABSENT;
    this.tcpFlags = ABSENT;
    this.icmpType = ABSENT;
    this.icmpCode = ABSENT;
    this.ttl = ABSENT;
    this.dscp = ABSENT;
    this.fragment = ABSENT;
    this.wireLen = ABSENT;
    this.tunnel = ABSENT;
    this.tunnelId = ABSENT;
    this.pktType = ABSENT;
    this.ifIndex = ABSENT;
    this.llcDsap = ABSENT;
    this.llcSsap = ABSENT;
    this.llcControl = ABSENT;
    this.snapOui = ABSENT;
    this.snapType = ABSENT;
    this.osiNlpid = ABSENT;
    this.isisPduType = ABSENT;
    this.l2Offset = ABSENT;
    this.l3Offset = ABSENT;
    this.l4Offset = ABSENT;
    this.payloadOffset = ABSENT;
    this.payloadLength = ABSENT;
    this.ipVersion = 0;
    this.ipHdrOffset = ABSENT;
    this.ipTotalLen = ABSENT;
    this.tcpSeq = ABSENT;
    this.tcpAck = ABSENT;
    this.tcpHdrLen = ABSENT;
    this.innerOffset = ABSENT;
    this.innerKind = 0;
    this.malformed = 0;
    this.malformedReason = 0;
    this.headersMalformed = 0;
    this.wireEnd = 0;
  }
}
