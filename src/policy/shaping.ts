/**
 * What `shape burst SIZE` means, for the checker and the runtime alike (so
 * that validate reports what run would refuse, and nothing else).
 *
 * Each tool of a shaped group has a token bucket of SIZE bytes filled at the
 * tool's rate, and a buffer of SIZE bytes where packets wait for tokens: a
 * burst of up to twice SIZE above the rate is absorbed (the first SIZE
 * leaves at once, the next SIZE waits), what comes on top is dropped.
 */
export function shapeBufferBytes(burstBytes: number): number {
  return burstBytes;
}

/**
 * The longest a full bucket may take to refill (a full buffer to drain) at
 * the tool's rate. Beyond it packets would wait for hours: a rate or a burst
 * mistyped (kbps for Gbps, GB for KB) rather than a shaper anyone wants, and
 * the runtime's times stay exact within it.
 */
export const SHAPE_MAX_DRAIN_SECONDS = 3600;

/** Seconds a buffer of `burstBytes` takes to drain at `rateBps`. */
export function shapeDrainSeconds(burstBytes: number, rateBps: number): number {
  return (shapeBufferBytes(burstBytes) * 8) / rateBps;
}

/**
 * The largest frame a group is likely to send, for the check that the burst
 * holds one: a 1500-byte IP packet on Ethernet with one VLAN tag (1518), cut
 * by `truncate frame N`, with the tags the taps' marks push and what the
 * timestamp adds (12 bytes of IPv4 option, 24 of IPv6 IOAM trace, 9 of
 * trailer: the most of the kinds the group uses).
 */
export const FULL_FRAME_BYTES = 1518;
