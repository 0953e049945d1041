import type { Frame } from '../frame.js';

/**
 * An 802.1Q/802.1ad tag body: TCI then the type of what follows. Its own
 * TPID (0x8100 or 0x88a8) is the type field of the header in front of it.
 */
export function prependVlanTag(f: Frame, vid: number, pcp: number, nextType: number): void {
  const p = f.prepend(4);
  f.dv.setUint16(p, ((pcp & 7) << 13) | (vid & 0xfff));
  f.dv.setUint16(p + 2, nextType);
}
