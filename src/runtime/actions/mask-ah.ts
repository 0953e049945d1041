import { ABSENT } from '../../fields/fields.js';
import { IPPROTO } from '../../fields/ip-proto.js';
import { decodeEncapsulated } from '../decode/decode.js';
import { decodeIpPayload } from '../decode/transport.js';
import { INNER_KIND, type PacketView } from '../decode/view.js';

/**
 * IPv4 AH (RFC 4302: IPsec's authentication header, transport mode) for
 * mask. AH authenticates and encrypts nothing: what follows it is the
 * packet's TCP or UDP as sent. IPv6's decoder walks AH as an extension
 * header; IPv4's leaves the packet's protocol at AH (a filter's `tcp` sees
 * what tcpdump's does), so mask reads on past it itself, as the receiver's
 * IP stack does, and searches the payload behind it.
 */

/** AH's fixed part: next header, length, reserved, SPI, sequence number (the ICV follows, in the length). */
const AH_MIN = 12;

/**
 * The packet behind an IPv4 packet's AH header, decoded into `into` (a view
 * made without an inner one; it may be `v` itself), or undefined: `v` is
 * no whole IPv4 packet (a fragment) with AH, or its AH header is cut short.
 */
export function pastAh(into: PacketView, v: PacketView, d: Uint8Array): PacketView | undefined {
  if (v.ipVersion !== 4 || v.ipProto !== IPPROTO.AH || v.fragment !== 0 || v.payloadOffset < 0) return undefined;
  const at = v.payloadOffset;
  const end = at + v.payloadLength;
  if (end - at < AH_MIN) return undefined;
  const length = (d[at + 1] + 2) << 2;
  if (end - at < length) return undefined;
  const next = d[at];
  const ip = v.ipHdrOffset;
  const wireEnd = v.wireEnd;
  // the IPv4 header as the decoder reads it (addresses, lengths), then its payload from past AH
  decodeEncapsulated(into, d, ip, end, INNER_KIND.ip, wireEnd);
  into.ipProto = next;
  into.l4Offset = ABSENT;
  into.payloadOffset = ABSENT;
  into.payloadLength = ABSENT;
  decodeIpPayload(into, d, at + length, end, next, 0);
  return into.payloadOffset >= 0 ? into : undefined;
}
