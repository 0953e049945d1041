import type { PacketView } from './view.js';

/**
 * Why a frame is malformed, indexed by `malformedReason`. Append only: the
 * codes may be exported in counters. "truncated-*" means the capture (or a
 * length field of the enclosing layer) ended inside that header; "bad-*"
 * means a header field is impossible.
 */
export const MALFORMED_REASONS = Object.freeze([
  'none',
  'truncated-ethernet',
  'truncated-vlan',
  'too-many-vlan-tags',
  'truncated-mpls',
  'too-many-mpls-labels',
  'truncated-pppoe',
  'truncated-ppp',
  'truncated-chdlc',
  'truncated-sll',
  'truncated-null',
  'truncated-arp',
  'truncated-ip',
  'bad-ip-version',
  'truncated-ipv4',
  'bad-ipv4-version',
  'bad-ipv4-header-length',
  'bad-ipv4-total-length',
  'truncated-ipv6',
  'bad-ipv6-version',
  'bad-ipv6-payload-length',
  'truncated-ipv6-extension',
  'truncated-tcp',
  'bad-tcp-header-length',
  'truncated-udp',
  'bad-udp-length',
  'truncated-icmp',
  'truncated-sctp',
  'truncated-gre',
  'bad-gre-version',
  'bad-pptp-gre-header',
  'truncated-erspan',
  'truncated-gtp',
  'bad-gtp-extension',
  'truncated-l2tp',
  'truncated-vxlan',
  'truncated-geneve',
  'truncated-teredo',
] as const);

export type MalformedReason = (typeof MALFORMED_REASONS)[number];

/** Code of a reason name; decoders resolve theirs once, at module load. */
export function reasonCode(name: MalformedReason): number {
  return MALFORMED_REASONS.indexOf(name);
}

export function reasonName(code: number): MalformedReason | undefined {
  return MALFORMED_REASONS[code];
}

/** Flags the view; the first reason wins because later ones are consequences. */
export function mark(v: PacketView, code: number): void {
  if (v.malformed === 0) {
    v.malformed = 1;
    v.malformedReason = code;
  }
}
