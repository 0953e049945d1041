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

/** Reasons only tunnel headers mark. */
const TUNNEL_REASONS: ReadonlySet<number> = new Set(
  (
    [
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
    ] as const
  ).map(reasonCode),
);
/**
 * Reasons a tunnel marks when it carries nothing (or, for MPLS in GRE, when
 * the capture ends inside the tunnel's label stack), as the frame's own
 * layers do when they are cut (then no tunnel is found).
 */
const EMPTY_TUNNEL_REASONS: ReadonlySet<number> = new Set(
  (['truncated-ethernet', 'truncated-ip', 'truncated-ppp', 'truncated-mpls'] as const).map(reasonCode),
);

/**
 * Whether the frame's own headers (link layer through transport header) are
 * malformed, from the view as decoded before its tunnels' packets: every own
 * layer is decoded before the tunnel header after it, and the first reason
 * wins, so the reason is an own layer's unless a tunnel header marked it.
 */
export function ownHeadersMalformed(v: PacketView): number {
  if (v.malformed === 0) return 0;
  const r = v.malformedReason;
  if (TUNNEL_REASONS.has(r)) return 0;
  if (v.tunnel > 0 && EMPTY_TUNNEL_REASONS.has(r)) return 0;
  return 1;
}
