import { sessionHash32 } from '../balance/session-hash.js';
import { combinei as combine, mix32i as mix32 } from '../balance/hash.js';
import type { Walk } from './walk.js';

/** What walkSessionHash reads of the walk's state (codegen/spine.ts WALK_STATE). */
export const SESSION_STATE = ['ipv', 'ip', 'arp', 'src', 'dst', 'pt', 'proto'];

/**
 * The session hash (balance/session-hash.ts) of the packet the walk just
 * walked, from its offsets: the same number sessionHash gives for the
 * decoder's view. A packet that may carry a tunnel is hashed on the
 * decoder's view (its inner flow counts: GTP-U always, others with
 * `balance session inner`); any other packet has no inner packet, so its
 * own flow is its session.
 */
export function walkSessionHash(w: Walk, useInner: boolean): number {
  return walkSessionHash32(w, useInner) >>> 0;
}

/** The same bits as a signed 32-bit integer (sessionHash32): no heap number per packet. */
export function walkSessionHash32(w: Walk, useInner: boolean): number {
  if (w.cand !== 0) return sessionHash32(w.view(), useInner);
  const a = endpoint(w, true);
  const b = endpoint(w, false);
  // ordered as unsigned numbers, as sessionHash orders them
  const lo = a >>> 0 < b >>> 0 ? a : b;
  const hi = a >>> 0 < b >>> 0 ? b : a;
  return combine(combine(mix32(lo), hi), w.proto);
}

function be32(d: Uint8Array, at: number): number {
  // signed: the hashes read the bits (an unsigned value above 2^31 would be a heap number)
  return (d[at] << 24) | (d[at + 1] << 16) | (d[at + 2] << 8) | d[at + 3];
}

function endpoint(w: Walk, src: boolean): number {
  const d = w.d;
  let h: number;
  if (w.ipv === 4) h = mix32(be32(d, w.ip + (src ? 12 : 16)));
  else if (w.ipv === 0 && w.arp >= 0) h = mix32(be32(d, w.arp + (src ? 14 : 24)));
  else if (w.ipv === 6) {
    const at = w.ip + (src ? 8 : 24);
    h = combine(combine(combine(mix32(be32(d, at)), be32(d, at + 4)), be32(d, at + 8)), be32(d, at + 12));
  } else {
    const mac = src ? w.src : w.dst;
    // a MAC as the decoder holds it: the upper 16 bits times 2^32 plus the lower 32
    h = mac >= 0 ? combine(mix32(be32(d, mac + 2)), (d[mac] << 8) | d[mac + 1]) : 0;
  }
  if (w.pt < 0) return h;
  return combine(h, (d[w.pt + (src ? 0 : 2)] << 8) | d[w.pt + (src ? 1 : 3)]);
}
