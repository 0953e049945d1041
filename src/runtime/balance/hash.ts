/** 32-bit mixing (murmur3's finalizer): cheap, and every input bit reaches every output bit. */
export function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function combine(h: number, v: number): number {
  return mix32((h ^ Math.imul(v | 0, 0x9e3779b1)) + 0x7f4a7c15);
}

/** FNV-1a of a string, mixed: a stable seed per tool name. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return mix32(h);
}
