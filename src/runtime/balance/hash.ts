/** 32-bit mixing (murmur3's finalizer): cheap, and every input bit reaches every output bit. */
export function mix32(h: number): number {
  return mix32i(h) >>> 0;
}

export function combine(h: number, v: number): number {
  return combinei(h, v) >>> 0;
}

/**
 * mix32 as a signed 32-bit integer (the same bits). The per-packet hashes use
 * these: V8 keeps a signed int32 unboxed, where a uint32 above 2^31 returned
 * from a call becomes a heap number, an allocation per call.
 */
export function mix32i(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** combine as a signed 32-bit integer (the same bits). */
export function combinei(h: number, v: number): number {
  // | 0: the sum as an int32 (mix32i reads it mod 2^32 either way), not a heap number passed on
  return mix32i(((h ^ Math.imul(v | 0, 0x9e3779b1)) + 0x7f4a7c15) | 0);
}

/** FNV-1a of a string, mixed: a stable seed per tool name. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return mix32(h);
}
