import { ABSENT, LINKTYPE } from '../../fields/fields.js';
import { decodeChdlc, isChdlcAddress } from './chdlc.js';
import { decodeEthernet } from './ethernet.js';
import { mark, ownHeadersMalformed } from './malformed.js';
import { decodeNull } from './null.js';
import { decodePppLink } from './ppp.js';
import { decodeIp, decodeIpv4Link, decodeIpv6Link } from './raw.js';
import { decodeSll, decodeSll2 } from './sll.js';
import { INNER_KIND } from './view.js';
import type { PacketView } from './view.js';

/** How many tunnels deep `inner` goes; past that `inner.tunnel` is left set to say so. */
const MAX_TUNNEL_DEPTH = 4;

/** Length fields cannot be checked against the wire inside a fragment, which is a piece by design. */
const UNBOUNDED = Number.MAX_SAFE_INTEGER;

/**
 * Decodes one captured frame into `view` (and `view.inner`), replacing
 * whatever was there except `tap`, which belongs to the caller. Reads only
 * data[0 .. min(capLen, data.length)), never throws on any input, and
 * allocates nothing. linkType is a LINKTYPE_* value (upper bits, such as the
 * pcap FCS flags, are ignored); unknown link types leave only linkType,
 * wireLen and the zero counts set.
 */
export function decodeFrame(
  view: PacketView,
  data: Uint8Array,
  capLen: number,
  wireLen: number,
  linkType: number,
): void {
  const tap = view.tap;
  view.reset();
  view.tap = tap;
  const inner = view.inner;
  // A view made without an inner one is its own inner: it decodes no tunnels.
  const tunnels = inner !== view;
  // beginPacket sets vlanCount on every decoded view, so ABSENT there means
  // the inner view is still clean and the 50-odd stores can be skipped.
  if (tunnels && inner.vlanCount !== ABSENT) inner.reset();

  // Written so that NaN, negative and fractional lengths cannot widen the read window.
  const end = capLen >= 0 ? Math.min(Math.floor(capLen), data.length) : 0;
  const wire = wireLen >= 0 ? Math.min(Math.floor(wireLen), 0xffffffff) : 0;
  const type = linkType & 0xffff;
  view.linkType = type;
  view.wireLen = wire;
  view.wireEnd = wire > end ? wire : end;
  beginPacket(view);

  switch (type) {
    case LINKTYPE.ETHERNET:
      decodeEthernet(view, data, 0, end);
      break;
    case LINKTYPE.NULL:
    case LINKTYPE.LOOP:
      decodeNull(view, data, 0, end);
      break;
    case LINKTYPE.PPP:
      decodePppLink(view, data, 0, end);
      break;
    case LINKTYPE.PPP_HDLC:
      if (end > 0 && isChdlcAddress(data[0])) decodeChdlc(view, data, 0, end);
      else decodePppLink(view, data, 0, end);
      break;
    case LINKTYPE.C_HDLC:
      decodeChdlc(view, data, 0, end);
      break;
    case LINKTYPE.RAW:
    case LINKTYPE.RAW_DLT12:
    case LINKTYPE.RAW_DLT14:
      decodeIp(view, data, 0, end);
      break;
    case LINKTYPE.IPV4:
      decodeIpv4Link(view, data, 0, end);
      break;
    case LINKTYPE.IPV6:
      decodeIpv6Link(view, data, 0, end);
      break;
    case LINKTYPE.LINUX_SLL:
      decodeSll(view, data, 0, end);
      break;
    case LINKTYPE.LINUX_SLL2:
      decodeSll2(view, data, 0, end);
      break;
    default:
  }

  view.headersMalformed = ownHeadersMalformed(view);
  if (tunnels && view.innerKind !== INNER_KIND.none) decodeTunnels(view, data);
}

/**
 * Decodes one packet a tunnel carries (an INNER_KIND at d[off, end)) into
 * `v`, as the tunnel walk below does for each level, but stopping at that
 * level: for stages that walk tunnels one at a time (the strip action).
 * `v` should be made without an inner view; `wireEnd` bounds length fields.
 */
export function decodeEncapsulated(
  v: PacketView,
  d: Uint8Array,
  off: number,
  end: number,
  kind: number,
  wireEnd: number,
): void {
  v.reset();
  v.wireEnd = wireEnd;
  beginPacket(v);
  if (kind === INNER_KIND.ether) decodeEthernet(v, d, off, end);
  else decodeIp(v, d, off, end);
}

/** Counts a decoded packet has even when zero: no tags, no labels, no tunnel. */
function beginPacket(v: PacketView): void {
  v.vlanCount = 0;
  v.mplsCount = 0;
  v.tunnel = 0;
}

/**
 * Walks nested tunnels, reusing `view.inner` at each level so that it ends
 * holding the innermost packet. A malformed inner packet makes the frame
 * malformed too, except inside a fragment, where a cut-off inner packet is
 * expected.
 */
function decodeTunnels(view: PacketView, d: Uint8Array): void {
  const inner = view.inner;
  let inFragment = view.fragment > 0;
  let off = view.innerOffset;
  let kind = view.innerKind;
  let end = view.payloadOffset + view.payloadLength;
  for (let depth = 1; ; depth++) {
    if (depth > 1) inner.reset();
    inner.wireEnd = inFragment ? UNBOUNDED : view.wireEnd;
    beginPacket(inner);
    if (kind === INNER_KIND.ether) decodeEthernet(inner, d, off, end);
    else decodeIp(inner, d, off, end);
    if (inner.malformed !== 0 && !inFragment) mark(view, inner.malformedReason);
    if (inner.innerKind === INNER_KIND.none || depth === MAX_TUNNEL_DEPTH) return;
    if (inner.fragment > 0) inFragment = true;
    off = inner.innerOffset;
    kind = inner.innerKind;
    end = inner.payloadOffset + inner.payloadLength;
  }
}
