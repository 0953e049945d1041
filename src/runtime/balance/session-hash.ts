import type { PacketView } from '../decode/view.js';
import { combinei as combine, mix32i as mix32 } from './hash.js';

/**
 * The symmetric session hash: both directions of a connection give the same
 * value, because each endpoint (address, port) is hashed alone and the two
 * are combined in an order-free way (the smaller first). Per-session state
 * (balancing, dedup windows) is keyed by it, so it can be sharded to workers.
 */
/** The hashes here are signed int32 (hash.ts's mix32i): unboxed in V8; sessionHash gives them as uint32. */
function endpoint(v: PacketView, src: boolean): number {
  let h: number;
  if (v.ipVersion === 4 || (v.ipVersion === 0 && v.ip4Src >= 0)) h = mix32((src ? v.ip4Src : v.ip4Dst) | 0);
  else if (v.ipVersion === 6) {
    h = src
      ? combine(combine(combine(mix32(v.ip6Src0 | 0), v.ip6Src1), v.ip6Src2), v.ip6Src3)
      : combine(combine(combine(mix32(v.ip6Dst0 | 0), v.ip6Dst1), v.ip6Dst2), v.ip6Dst3);
  } else {
    const mac = src ? v.ethSrc : v.ethDst;
    h = mac >= 0 ? combine(mix32(mac % 0x100000000), Math.floor(mac / 0x100000000)) : 0;
  }
  const port = src ? v.srcPort : v.dstPort;
  return port >= 0 ? combine(h, port) : h;
}

function flowHash(v: PacketView): number {
  const a = endpoint(v, true);
  const b = endpoint(v, false);
  // ordered as unsigned numbers, as when the hashes were uint32 (the same values)
  const lo = a >>> 0 < b >>> 0 ? a : b;
  const hi = a >>> 0 < b >>> 0 ? b : a;
  return combine(combine(mix32(lo), hi), v.ipProto);
}

/**
 * Session hash of a packet. GTP-U carries a subscriber's sessions inside one
 * tunnel, so its inner flow is used (as `inner` does for every tunnel);
 * otherwise the outer flow.
 */
export function sessionHash(v: PacketView, useInner: boolean): number {
  return sessionHash32(v, useInner) >>> 0;
}

/**
 * The same bits as a signed 32-bit integer, for the per-packet path (no heap
 * number per packet): Rendezvous and the workers' sharding read the bits.
 */
export function sessionHash32(v: PacketView, useInner: boolean): number {
  const inner = v.inner;
  if (inner !== v && inner.ipVersion !== 0 && (useInner || v.tunnel === 4) /* gtp */) return flowHash(inner);
  return flowHash(v);
}
