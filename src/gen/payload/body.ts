import type { Frame } from '../frame.js';
import type { Prng } from '../prng.js';

/**
 * Response bodies must match their Content-Type, or tshark's content
 * dissectors (PNG, JSON, ...) report them as malformed.
 */
export type BodyKind = 'binary' | 'text' | 'json';

const WORDS = [
  'packet',
  'broker',
  'policy',
  'mirror',
  'filter',
  'tap',
  'session',
  'flow',
  'lorem',
  'ipsum',
  'dolor',
  'amet',
  'data',
];

/** Seeded ASCII: words and spaces, with a newline about every 60 characters when `lines`. */
export function textPool(rng: Prng, size: number, lines: boolean): Uint8Array {
  const out = new Uint8Array(size);
  let col = 0;
  for (let i = 0; i < size;) {
    const w = rng.pick(WORDS);
    for (let j = 0; j < w.length && i < size; j++) out[i++] = w.charCodeAt(j);
    col += w.length + 1;
    if (i < size) out[i++] = lines && col > 60 ? 10 : 32;
    if (col > 60) col = 0;
  }
  return out;
}

export interface BodyPools {
  readonly pool: Uint8Array;
  readonly textPool: Uint8Array;
  readonly wordPool: Uint8Array;
}

const JSON_HEAD = '{"data":"';
const JSON_TAIL = '"}';
export const MIN_JSON_BODY = JSON_HEAD.length + JSON_TAIL.length;

/** Appends bytes [offset, offset + n) of a body of `total` bytes whose filler starts at pool position `seed`. */
export function appendBody(
  f: Frame,
  pools: BodyPools,
  kind: BodyKind,
  seed: number,
  offset: number,
  n: number,
  total: number,
): void {
  if (kind === 'binary') return appendFromPool(f, pools.pool, seed + offset, n);
  if (kind === 'text') return appendFromPool(f, pools.textPool, seed + offset, n);
  const end = offset + n;
  let o = offset;
  for (; o < end && o < JSON_HEAD.length; o++) f.u8(JSON_HEAD.charCodeAt(o));
  const fillEnd = Math.min(end, total - JSON_TAIL.length);
  if (fillEnd > o) {
    appendFromPool(f, pools.wordPool, seed + o, fillEnd - o);
    o = fillEnd;
  }
  for (; o < end; o++) f.u8(JSON_TAIL.charCodeAt(o - (total - JSON_TAIL.length)));
}

/** Appends `len` pool bytes starting at `from`, wrapping around the pool's end. */
function appendFromPool(f: Frame, pool: Uint8Array, from: number, len: number): void {
  let at = from % pool.length;
  let left = len;
  while (left > 0) {
    const n = Math.min(left, pool.length - at);
    f.append(pool, at, at + n);
    left -= n;
    at = 0;
  }
}
