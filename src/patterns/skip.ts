import { ASSERT, BYTE, JUMP, MATCH, SPLIT, type Program } from './program.js';

/** How many leading byte positions of a match the skip looks at, at most. */
const MAX_WINDOW = 32;

/**
 * Skipping where no match can start (Horspool's idea, over byte sets). Every
 * match is at least `k` bytes long, and its j-th byte is in set S_j (the
 * union of what the automaton can consume there, zero-width tests taken as
 * passing: a superset, so skipping is always safe). Looking at the last
 * byte b of a k-byte window: if the window cannot be a match's first k
 * bytes, no match starts before the window moves by shift[b], the distance
 * from the end to the last position j < k-1 whose set holds b (k if none).
 *
 * The DFA scans byte by byte at one table load a byte; V8 runs that loop at
 * ~20-30 instructions a byte. Where it has nothing under way, the skip reads
 * one byte in `shift` instead: for `authorization: basic ...` in HTTP text,
 * most windows move by 10 or more.
 */
export interface Skip {
  readonly k: number;
  /** sets[j * 256 + b]: byte b can be the j-th byte of a match. */
  readonly sets: Uint8Array;
  readonly shift: Uint8Array;
  /** shift[b], or 0 where b can be the window's last byte (one load decides most windows). */
  readonly move: Uint8Array;
  /**
   * The bytes every match starts with, when there are two or more (`://` of
   * the URL user-info pattern): found by Buffer's native indexOf instead of
   * the window loop. undefined if none.
   */
  readonly prefix: Uint8Array | undefined;
}

/** Buffer's indexOf (native search) applied to any Uint8Array. */
const indexOf = Buffer.prototype.indexOf as (this: Uint8Array, value: Uint8Array, from: number) => number;
/** Past `end`, how many bytes indexOf may search in vain before a bounded view is cheaper than the search. */
const SEARCH_SLACK = 4096;

export function buildSkip(p: Program): Skip | undefined {
  const sets: Uint8Array[] = [];
  let front = new Uint8Array(p.size);
  front[0] = 1;
  let k = 0;
  for (; k < MAX_WINDOW; k++) {
    const reach = closure(p, front);
    if (reach.match || reach.bytes.length === 0) break;
    const s = new Uint8Array(256);
    const next = new Uint8Array(p.size);
    for (const pc of reach.bytes) {
      const row = p.arg[pc] * p.classes;
      for (let b = 0; b < 256; b++) if (p.setHas[row + p.classOf[b]]) s[b] = 1;
      next[p.next[pc]] = 1;
    }
    sets.push(s);
    front = next;
  }
  // the window need not cover all k bytes: a shorter one whose last set is rarer can move further
  let best: { k: number; shift: Uint8Array; score: number } | undefined;
  for (let w = 2; w <= k; w++) {
    const shift = new Uint8Array(256).fill(w);
    for (let j = 0; j < w - 1; j++) for (let b = 0; b < 256; b++) if (sets[j][b]) shift[b] = w - 1 - j;
    // expected move per window over text-like bytes, against the windows that need a closer look
    let move = 0;
    let verify = 0;
    let total = 0;
    for (let b = 0; b < 256; b++) {
      const weight = TEXT_WEIGHT[b];
      total += weight;
      move += weight * shift[b];
      if (sets[w - 1][b]) verify += weight;
    }
    const score = move / total / (1 + (2 * verify) / total);
    if (!best || score > best.score) best = { k: w, shift, score };
  }
  // a skip that moves about a byte a window only costs (as for .+x)
  if (!best || best.score < 1.5) return undefined;
  const w = best.k;
  const flat = new Uint8Array(w * 256);
  for (let j = 0; j < w; j++) flat.set(sets[j], j * 256);
  const move = best.shift.map((x, b) => (sets[w - 1][b] ? 0 : x));
  // a literal prefix: every one of the first `lit` positions admits one byte only
  let lit = 0;
  while (lit < sets.length && sets[lit].reduce((a, x) => a + x, 0) === 1) lit++;
  const prefix = lit >= 2 ? Uint8Array.from(sets.slice(0, lit), (s) => s.indexOf(1)) : undefined;
  return { k: w, sets: flat, shift: best.shift, move, prefix };
}

/** How often a byte value is taken to occur, for choosing a window: payloads are mostly text. */
const TEXT_WEIGHT = Float64Array.from({ length: 256 }, (_, b) =>
  (b >= 0x20 && b < 0x7f) || b === 0x09 || b === 0x0a || b === 0x0d ? 1 : 0.25,
);

/** Instructions reached from `front` by empty moves, every zero-width test passing. */
function closure(p: Program, front: Uint8Array): { match: boolean; bytes: number[] } {
  const seen = new Uint8Array(p.size);
  const stack: number[] = [];
  front.forEach((on, pc) => on && stack.push(pc));
  const bytes: number[] = [];
  let match = false;
  while (stack.length) {
    const pc = stack.pop()!;
    if (seen[pc]) continue;
    seen[pc] = 1;
    switch (p.op[pc]) {
      case BYTE:
        bytes.push(pc);
        break;
      case MATCH:
        match = true;
        break;
      case JUMP:
      case ASSERT:
        stack.push(p.next[pc]);
        break;
      case SPLIT:
        stack.push(p.next[pc], p.alt[pc]);
        break;
    }
  }
  return { match, bytes };
}

/**
 * The first position at or after `from` where a match may start, judged by
 * bytes[i, i + k); a position whose window reaches past `end` is returned
 * as it is (the bytes that would tell are not there).
 */
export function nextCandidate(sk: Skip, bytes: Uint8Array, from: number, end: number): number {
  const last = sk.k - 1;
  const sets = sk.sets;
  const move = sk.move;
  const limit = end - last;
  let i = from;
  const pre = sk.prefix;
  if (pre !== undefined) {
    // one native call costs ~2,000 instructions (callgrind), the window loop ~18 a byte of text:
    // the call pays from ~100 bytes on, which most payloads reach
    const hay = bytes.length - end > SEARCH_SLACK ? bytes.subarray(0, end) : bytes;
    const p = indexOf.call(hay, pre, from);
    if (p >= 0 && p + pre.length <= end) return p;
    // no whole prefix before end: the first position where the bytes up to end begin one
    for (i = Math.max(from, end - pre.length + 1); i < end; i++) {
      let j = 0;
      while (i + j < end && bytes[i + j] === pre[j]) j++;
      if (i + j === end) return i;
    }
    return end;
  }
  while (i < limit) {
    const b = bytes[i + last];
    const m = move[b];
    if (m !== 0) {
      i += m;
      continue;
    }
    // the last byte fits: look at the others
    let j = 0;
    while (j < last && sets[j * 256 + bytes[i + j]]) j++;
    if (j === last) return i;
    i += sk.shift[b];
  }
  return i;
}
