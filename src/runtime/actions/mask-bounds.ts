/**
 * The bounds of mask's stream tracking (docs/design/mask.md explains each).
 * Times are packet time: the capture's clock, so an offline run holds and
 * releases exactly as it would have live.
 */

/** A held packet is released, its undecided bytes masked, once it has waited this long (seconds). */
export const HOLD_TIMEOUT = 1;
/** Packets and payload bytes one session may hold before it is released the same way. */
export const HOLD_PACKETS_PER_SESSION = 64;
export const HOLD_BYTES_PER_SESSION = 256 * 1024;
/** Packets and bytes the whole step may hold; past them, the session holding the oldest packet is released. */
export const HOLD_PACKETS_TOTAL = 8192;
export const HOLD_BYTES_TOTAL = 32 * 1024 * 1024;
/** TCP sessions tracked per group; the least recently used goes first. */
export const MAX_SESSIONS = 65536;
/** A session with no packet for this long (seconds) is forgotten. */
export const IDLE_SECONDS = 300;
/** Masked spans remembered per direction, for retransmissions; older ones are forgotten first. */
export const SPANS_PER_DIRECTION = 64;
/**
 * The last bytes of each direction's stream kept to tell a retransmission
 * that repeats them (masked as the first copy was) from one that carries
 * other bytes (searched on its own too); at most RECENT_RINGS directions
 * keep them at once, the others search every retransmission on its own.
 */
export const RECENT_BYTES = 8 * 1024;
export const RECENT_RINGS = 4096;
/**
 * Scanners of ended directions kept per target for the next directions to
 * start (reused, not made anew): enough for the directions that end between
 * two starts in busy traffic; past it they are left to the GC.
 */
export const SCANNER_POOL = 1024;
/**
 * A session pushed out of the table (or forgotten) while its context was
 * open (a SASL exchange, a match under way: mask.ts directionOpen) is
 * remembered, at most this many at once (the oldest forgotten first), by its
 * tuple's hash: picked up again, the directions that were open carry this
 * many lines after their first (the lines a SASL exchange may still send
 * with its server unseen), not the first line alone.
 */
export const OPEN_EVICTED = MAX_SESSIONS;
export const CARRY_LINES_EVICTED = 8;
