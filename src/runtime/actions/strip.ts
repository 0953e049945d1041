import type { ArtifactGroup } from '../../artifact/types.js';
import { ETHERTYPE } from '../../fields/ethertype.js';
import { LINKTYPE, TUNNEL } from '../../fields/fields.js';
import { IPPROTO } from '../../fields/ip-proto.js';
import { PPP_PROTO } from '../../fields/ppp.js';
import { decodeEncapsulated } from '../decode/decode.js';
import { reasonCode } from '../decode/malformed.js';
import { INNER_KIND, PacketView } from '../decode/view.js';
import { type ActionModule, ActionConfigError, type ActionCounters, Verdict } from './action.js';
import { ipEtherType, isDecodedLink, L2Layout, readL2, TagKind } from './l2-layout.js';
import { copyBytes, type Replica } from './replica.js';

/** Strip targets (check/names.ts STRIP_TARGETS) that name tunnels, by the decoder's TUNNEL kinds they remove. */
const TUNNEL_TARGETS: Readonly<Record<string, readonly number[]>> = {
  gre: [TUNNEL.gre],
  pptp: [TUNNEL.pptp],
  erspan: [TUNNEL.erspan],
  gtp: [TUNNEL.gtp],
  l2tp: [TUNNEL.l2tp],
  vxlan: [TUNNEL.vxlan],
  geneve: [TUNNEL.geneve],
  ipip: [TUNNEL.ipip],
  // 6to4 is 6in4 between 2002::/16 addresses: the same encapsulation
  '6in4': [TUNNEL['6in4'], TUNNEL['6to4']],
  '6to4': [TUNNEL['6to4']],
  teredo: [TUNNEL.teredo],
};
const SHIM_TARGETS = ['vlan', 'mpls', 'pppoe', 'vntag', 'etag'] as const;

/** Nested tunnels walked at most; the decoder follows four. */
const MAX_LEVELS = 8;
const MACS = 12;

export interface StripConfig {
  /** Bit (1 << TUNNEL kind) for each tunnel kind removed. */
  tunnels: number;
  vlan: boolean;
  mpls: boolean;
  pppoe: boolean;
  vntag: boolean;
  etag: boolean;
}

/** The strip targets of a policy as settings; throws on a target this runtime does not know. */
export function stripConfig(targets: readonly string[], group = '?'): StripConfig {
  const c: StripConfig = { tunnels: 0, vlan: false, mpls: false, pppoe: false, vntag: false, etag: false };
  const addTunnels = (names: readonly string[]) => {
    for (const n of names) for (const k of TUNNEL_TARGETS[n]) c.tunnels |= 1 << k;
  };
  for (const t of targets) {
    if (t === 'all' || t === 'tunnels') {
      addTunnels(Object.keys(TUNNEL_TARGETS));
      if (t === 'all') for (const s of SHIM_TARGETS) c[s] = true;
    } else if (TUNNEL_TARGETS[t]) addTunnels([t]);
    else if ((SHIM_TARGETS as readonly string[]).includes(t)) c[t as (typeof SHIM_TARGETS)[number]] = true;
    else throw new ActionConfigError(`group '${group}': strip target '${t}' is not known to this runtime`);
  }
  return c;
}

/** IP protocols whose fragments carry tunnels the decoder cannot follow into (no reassembly). */
function carriesTunnel(proto: number): boolean {
  return proto === IPPROTO.GRE || proto === IPPROTO.IPIP || proto === IPPROTO.IPV6 || proto === IPPROTO.L2TP;
}

/** The PPP protocol number carrying this ethertype, or -1. */
function pppProtocolFor(type: number): number {
  switch (type) {
    case ETHERTYPE.IPV4:
      return PPP_PROTO.IPV4;
    case ETHERTYPE.IPV6:
      return PPP_PROTO.IPV6;
    case ETHERTYPE.MPLS:
      return PPP_PROTO.MPLS;
    case ETHERTYPE.MPLS_MULTICAST:
      return PPP_PROTO.MPLS_MULTICAST;
    default:
      return -1;
  }
}

/**
 * strip: removes what the group lists and hands the tool the packet inside
 * on a plain Ethernet header. Tunnels are peeled from the outside in, each
 * with the IP (and UDP, GRE) headers that carry it, as long as the next one
 * out is listed: a listed tunnel inside one the group keeps stays (counted).
 * When the last tunnel peeled carried an Ethernet frame (VXLAN, Geneve,
 * ERSPAN, GRE bridging) that frame becomes the frame; when it carried an IP
 * packet, the packet goes on the layer 2 of the frame it was in (the capture's
 * own Ethernet header, a dummy one where there was none), after the tags,
 * PPPoE and MPLS headers that remain. Then the listed layer-2 parts go:
 * VLAN tags, VN-Tag/E-Tag, the MPLS stack, PPPoE with its PPP header. The
 * EtherType (and PPP protocol) in front of the packet is set from the packet
 * itself (an IP version nibble), never assumed.
 *
 * The output of a stripping group is always Ethernet: a frame captured
 * without an Ethernet header (raw IP, Linux cooked, BSD loopback, PPP,
 * Cisco HDLC) gets a dummy one (addresses zero; the sender's address as
 * source where a cooked header has it), even when nothing else is removed.
 * Its EtherType is the link's protocol where that is one (Cisco HDLC's
 * field, SLARP 0x8035 and CDP 0x2000 too; a cooked header's) or has one
 * (PPP's IP, IPv6, MPLS, IPX, AppleTalk, DECnet). What none names (PPP
 * control, 802.2 frames) passes unchanged, counted, and a pcap output,
 * declared Ethernet, refuses it (output/output-spec.ts).
 * The packet's own bytes are not changed, so its checksums stay as they were.
 */
export const strip: ActionModule<StripConfig> = {
  name: 'strip',
  reasons: [
    'stripped',
    'ethernet-added',
    'nothing-to-strip',
    'no-inner-packet',
    'inside-kept-tunnel',
    'fragmented',
    'not-ip-payload',
    'unknown-link-type',
    'malformed',
  ],
  warnings: {
    'inside-kept-tunnel':
      'kept a listed tunnel: it is inside a tunnel the group does not strip (strip peels from the outside in)',
    fragmented: 'were delivered unstripped: IP fragments of a tunnel (tmesc does not reassemble)',
    'not-ip-payload':
      'were delivered unstripped: no EtherType names what follows the header to remove (PPP control, MPLS pseudowires), so it cannot go on Ethernet',
    'unknown-link-type': 'were delivered unstripped: their link type is not one tmesc decodes',
    malformed: 'were delivered unstripped: a header to remove is cut short or broken',
  },
  init: (g: ArtifactGroup) => stripConfig(g.actions.strip, g.name),
  contextInit: (config, ctx) => new Stripper(config, ctx.counters, ctx.cutAfter ?? Infinity),
};

class Stripper {
  /** The frame whose layer 2 the result keeps: the capture's, or the last Ethernet frame peeled out of a tunnel. */
  private l2 = new L2Layout();
  /** Where an inner Ethernet frame is read before it replaces `l2` (a frame cut short leaves `l2` as it was). */
  private spare = new L2Layout();
  private readonly level = new PacketView(false);

  constructor(
    private readonly cfg: StripConfig,
    private readonly c: ActionCounters,
    /** ActionContext.cutAfter: the next step keeps only this many bytes. */
    private readonly cutAfter: number,
  ) {}

  private listed(tunnel: number): boolean {
    return tunnel > 0 && (this.cfg.tunnels & (1 << tunnel)) !== 0;
  }

  apply(r: Replica): Verdict {
    const cfg = this.cfg;
    let l = this.l2;
    if (!readL2(l, r.data, 0, r.length, r.linkType)) {
      this.c[isDecodedLink(r.linkType) ? 'malformed' : 'unknown-link-type']++;
      return Verdict.Pass;
    }
    // VN-Tag and E-Tag hide the rest of the frame from the decoder (as from libpcap): remove them first, then look again
    let removed = false;
    if ((cfg.vntag || cfg.etag) && this.shimTags(l) > 0) {
      this.removeShimTags(r, l);
      removed = true;
      readL2(l, r.data, 0, r.length, r.linkType);
    }
    const v = r.view();
    const d = r.data;
    const capEnd = r.length;

    // tunnels, outermost first
    let note = '';
    let level: PacketView = v;
    let peeled = false;
    let kind = 0;
    let cOff = -1;
    let cEnd = -1;
    let wireEnd = capEnd;
    if (cfg.tunnels !== 0) {
      for (let depth = 0; depth < MAX_LEVELS; depth++) {
        if (level.fragment > 0 && (this.listed(level.tunnel) || carriesTunnel(level.ipProto))) {
          note = 'fragmented';
          break;
        }
        if (!this.listed(level.tunnel)) break;
        if (level.innerKind === INNER_KIND.none) {
          note = level.malformed ? 'malformed' : 'no-inner-packet';
          break;
        }
        const off = level.innerOffset;
        const k = level.innerKind;
        const end = level.payloadOffset + level.payloadLength;
        // the carried packet ends where the IP packet carrying it does, captured or not
        const ipEnd = level.ipTotalLen > 0 ? level.ipHdrOffset + level.ipTotalLen : end;
        const bound = level.wireEnd;
        if (!carrierAgrees(level, d, ipEnd)) {
          note = 'malformed';
          break;
        }
        if (k === INNER_KIND.ether) {
          const next = this.spare;
          if (!readL2(next, d, off, end, LINKTYPE.ETHERNET)) {
            note = 'malformed';
            break;
          }
          this.spare = l;
          this.l2 = l = next;
        }
        if (depth === 0 && v.inner !== v && startsAt(v.inner, k, off)) {
          // the frame's view decoded this packet already, as decodeEncapsulated would (the same bounds; not in a
          // fragment, see above), and went no deeper (its inner holds the innermost packet, which starts here only
          // when this one is it): no second decode
          level = v.inner;
        } else {
          decodeEncapsulated(this.level, d, off, end, k, bound);
          level = this.level;
        }
        if (k !== INNER_KIND.ether && !innerIpWhole(level, off, ipEnd)) {
          // an IP header cut short, or one saying the packet is longer than its carrier: nothing to hand on
          note = 'malformed';
          break;
        }
        peeled = true;
        kind = k;
        cOff = off;
        cEnd = end;
        wireEnd = ipEnd;
      }
      if (!note && level.innerKind !== INNER_KIND.none && this.listedInside(level, d)) note = 'inside-kept-tunnel';
    }

    if (l.pppoe >= 0 && (cfg.pppoe || peeled) && !pppoeHolds(l, d)) {
      // a PPPoE length shorter than the IP packet after it: one of them lies
      this.c.malformed++;
      return Verdict.Pass;
    }

    // what the packet now is: the network layer of the frame kept, or the IP packet a tunnel carried
    let netOff: number;
    let netEnd: number;
    let netType: number;
    if (!peeled || kind === INNER_KIND.ether) {
      netOff = l.net;
      netEnd = peeled ? cEnd : capEnd;
      netType = l.netType;
    } else {
      netOff = cOff;
      netEnd = cEnd;
      netType = ipEtherType(d, cOff, cEnd);
      if (netType < 0) {
        this.c.malformed++;
        return Verdict.Pass;
      }
    }
    if (netOff < 0 || netOff > netEnd) {
      this.c.malformed++;
      return Verdict.Pass;
    }
    let vlanTags = 0;
    if (cfg.vlan) for (let i = 0; i < l.tagCount; i++) if (l.tagKind(i) === TagKind.Vlan) vlanTags++;
    const dropPppoe = l.pppoe >= 0 && cfg.pppoe;
    const dropMpls = l.mpls >= 0 && cfg.mpls;
    const keepPppoe = l.pppoe >= 0 && !cfg.pppoe;
    const keepMpls = l.mpls >= 0 && !cfg.mpls;
    const changes = peeled || vlanTags > 0 || dropPppoe || dropMpls;
    if (!changes && r.linkType === LINKTYPE.ETHERNET) {
      this.c[note || (removed ? 'stripped' : 'nothing-to-strip')]++;
      return Verdict.Pass;
    }

    // name what follows the layer 2 kept: PPPoE's PPP protocol, then the first ethertype
    let pppProto = -1;
    if (keepPppoe) {
      if (keepMpls) pppProto = l.pppProto;
      else if (peeled || dropMpls) pppProto = pppProtocolFor(netType);
      else pppProto = l.pppProto;
    }
    const firstType = keepPppoe ? ETHERTYPE.PPPOE_SESSION : keepMpls ? l.mplsType : netType;
    if (firstType < 0 || (keepPppoe && pppProto < 0)) {
      this.c['not-ip-payload']++;
      return Verdict.Pass;
    }

    let size = MACS + 2 + (netEnd - netOff);
    for (let i = 0; i < l.tagCount; i++) if (!this.drops(l.tagKind(i))) size += 2 + l.tagLength(i);
    if (keepPppoe) size += 6 + 4;
    if (keepMpls) size += l.mplsEnd - l.mpls;
    const t = r.target(size);
    let p: number;
    if (l.macs >= 0) {
      copyBytes(t, 0, d, l.macs, MACS);
    } else {
      for (let i = 0; i < 6; i++) t[i] = 0;
      if (l.srcMac >= 0) copyBytes(t, 6, d, l.srcMac, 6);
      else for (let i = 6; i < MACS; i++) t[i] = 0;
    }
    p = MACS;
    for (let i = 0; i < l.tagCount; i++) {
      if (this.drops(l.tagKind(i))) continue;
      p = put16(t, p, l.tagTpid(i));
      copyBytes(t, p, d, l.tagBody(i), l.tagLength(i));
      p += l.tagLength(i);
    }
    p = put16(t, p, firstType);
    let pppoeAt = -1;
    if (keepPppoe) {
      pppoeAt = p;
      copyBytes(t, p, d, l.pppoe, 6);
      p += 6;
      // address and control as they came, then the protocol (compressed again where it was and still fits)
      const head = l.pppLen - (l.pppShort ? 1 : 2);
      copyBytes(t, p, d, l.ppp, head);
      p += head;
      if (l.pppShort && pppProto < 0x100) t[p++] = pppProto;
      else p = put16(t, p, pppProto);
    }
    if (keepMpls) {
      copyBytes(t, p, d, l.mpls, l.mplsEnd - l.mpls);
      p += l.mplsEnd - l.mpls;
    }
    // bytes past the next step's cut are never read: not copied (the length stays whole, for its counters)
    copyBytes(t, p, d, netOff, Math.max(0, Math.min(netEnd - netOff, this.cutAfter - p)));
    p += netEnd - netOff;
    if (pppoeAt >= 0) put16(t, pppoeAt + 4, p - (pppoeAt + 6));
    // the wire length: what is now captured, plus the part of the packet kept that the capture missed
    const missed = Math.max(0, Math.min(wireEnd - netEnd, r.wireLen - capEnd));
    r.wireLen = peeled ? p + missed : r.wireLen - capEnd + p;
    r.commit(p, LINKTYPE.ETHERNET);
    this.c[note || (removed || changes ? 'stripped' : 'ethernet-added')]++;
    return Verdict.Pass;
  }

  private drops(kind: number): boolean {
    const cfg = this.cfg;
    return kind === TagKind.Vlan ? cfg.vlan : kind === TagKind.VnTag ? cfg.vntag : cfg.etag;
  }

  /** VN-Tags and E-Tags the group removes. */
  private shimTags(l: L2Layout): number {
    let n = 0;
    for (let i = 0; i < l.tagCount; i++) {
      const k = l.tagKind(i);
      if ((k === TagKind.VnTag && this.cfg.vntag) || (k === TagKind.ETag && this.cfg.etag)) n++;
    }
    return n;
  }

  /** The frame without its listed VN-Tags and E-Tags (only Ethernet frames have them, after the addresses). */
  private removeShimTags(r: Replica, l: L2Layout): void {
    const d = r.data;
    const t = r.target(r.length);
    copyBytes(t, 0, d, l.macs, MACS);
    let p = MACS;
    for (let i = 0; i < l.tagCount; i++) {
      const k = l.tagKind(i);
      if ((k === TagKind.VnTag && this.cfg.vntag) || (k === TagKind.ETag && this.cfg.etag)) continue;
      p = put16(t, p, l.tagTpid(i));
      copyBytes(t, p, d, l.tagBody(i), l.tagLength(i));
      p += l.tagLength(i);
    }
    const rest = r.length - l.typeAt;
    copyBytes(t, p, d, l.typeAt, rest);
    p += rest;
    r.wireLen -= r.length - p;
    r.commit(p);
  }

  /** Whether a tunnel the group lists lies inside `from`'s (unlisted) tunnel. */
  private listedInside(from: PacketView, d: Uint8Array): boolean {
    let off = from.innerOffset;
    let kind = from.innerKind;
    let end = from.payloadOffset + from.payloadLength;
    let bound = from.wireEnd;
    const v = this.level;
    for (let depth = 0; depth < MAX_LEVELS; depth++) {
      decodeEncapsulated(v, d, off, end, kind, bound);
      if (this.listed(v.tunnel)) return true;
      if (v.innerKind === INNER_KIND.none) return false;
      off = v.innerOffset;
      kind = v.innerKind;
      end = v.payloadOffset + v.payloadLength;
      bound = v.wireEnd;
    }
    return false;
  }
}

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
function innerIpWhole(v: PacketView, off: number, carrierEnd: number): boolean {
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
function carrierAgrees(level: PacketView, d: Uint8Array, ipEnd: number): boolean {
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

/**
 * Whether a PPPoE session header's length covers the IP packet that follows
 * its PPP header (as that packet's header states it; tshark calls a shorter
 * one malformed). What follows that is not IP, or is behind MPLS, is not
 * looked at.
 */
function pppoeHolds(l: L2Layout, d: Uint8Array): boolean {
  if (l.mpls >= 0 || l.net < 0 || l.net + 6 > d.length) return true;
  const declared = (d[l.pppoe + 4] << 8) | d[l.pppoe + 5];
  let ipLen: number;
  if (l.netType === ETHERTYPE.IPV4) ipLen = (d[l.net + 2] << 8) | d[l.net + 3];
  else if (l.netType === ETHERTYPE.IPV6) ipLen = 40 + ((d[l.net + 4] << 8) | d[l.net + 5]);
  else return true;
  // a length of 0 in the IP header (segmentation offload) says nothing
  return ipLen === 0 || ipLen === 40 || declared >= l.net - (l.pppoe + 6) + ipLen;
}

/** Whether the decoded packet `v` is the one of this INNER_KIND at `off` (a packet deeper in it starts later). */
function startsAt(v: PacketView, kind: number, off: number): boolean {
  return kind === INNER_KIND.ether ? v.l2Offset === off : v.l3Offset === off;
}

function put16(t: Uint8Array, p: number, value: number): number {
  t[p] = value >>> 8;
  t[p + 1] = value & 0xff;
  return p + 2;
}
