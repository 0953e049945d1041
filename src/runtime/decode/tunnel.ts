import { mark, reasonCode } from './malformed.js';
import { INNER_KIND } from './view.js';
import type { PacketView } from './view.js';

const TRUNCATED_ETHERNET = reasonCode('truncated-ethernet');
const TRUNCATED_IP = reasonCode('truncated-ip');

/**
 * Points the view at the packet its tunnel carries. Tunnels only record where
 * the inner packet is; decodeFrame decodes it into `view.inner`, so the layer
 * modules never recurse into each other. The inner packet ends where the
 * outer payload ends (payloadOffset + payloadLength), which every tunnel sets
 * before calling this.
 */
export function setInner(v: PacketView, off: number, end: number, kind: number): void {
  if (off < end) {
    v.innerOffset = off;
    v.innerKind = kind;
  } else {
    mark(v, kind === INNER_KIND.ether ? TRUNCATED_ETHERNET : TRUNCATED_IP);
  }
}

/** An IP packet by its version nibble, for tunnels whose header does not say which. */
export function looksLikeIp(d: Uint8Array, off: number, end: number): boolean {
  if (off >= end) return false;
  const version = d[off] >> 4;
  return version === 4 || version === 6;
}
