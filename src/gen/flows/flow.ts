import type { Frame } from '../frame.js';
import type { ResolvedOptions } from '../options.js';
import type { Path } from '../path.js';
import type { Prng } from '../prng.js';

export interface FlowContext {
  readonly rng: Prng;
  readonly frame: Frame;
  readonly options: ResolvedOptions;
  /** Seeded random bytes that bulk payloads are cut from (copying beats drawing each byte). */
  readonly pool: Uint8Array;
  /** Seeded ASCII text in lines, and words without line breaks (for JSON strings). */
  readonly textPool: Uint8Array;
  readonly wordPool: Uint8Array;
  /** Time of the packet being built, for payloads that carry a clock (NTP). */
  readonly nowSec: number;
}

export type FlowKind = 'tcp' | 'dns' | 'udp' | 'icmp' | 'arp' | 'multicast' | 'broadcast';

/** A conversation that yields its packets one at a time, so flows interleave. */
export abstract class Flow {
  done = false;

  constructor(readonly path: Path) {}

  /** Builds exactly one packet into ctx.frame (already reset); sets `done` after the last. */
  abstract step(ctx: FlowContext): void;
}

/** Client ports from a range no Wireshark dissector claims, so tshark decodes by the server port. */
export function clientPort(rng: Prng): number {
  return rng.range(50000, 53999);
}
