import type { PacketView } from './view.js';

/** Records [off, end) as the L4 payload; nothing when a header claimed more than was there. */
export function setPayload(v: PacketView, off: number, end: number): void {
  if (off <= end) {
    v.payloadOffset = off;
    v.payloadLength = end - off;
  }
}
