/**
 * The compiled automaton: a Thompson NFA laid out as a program in the style
 * of RE2's and the Pike VM's (Russ Cox, "Regular Expression Matching: the
 * Virtual Machine Approach"). Instruction 0 is the start; every array is
 * indexed by instruction.
 *
 * - BYTE: consumes one byte whose class is in set `arg`, then goes to `next`.
 * - SPLIT: goes to `next` and to `alt`; `next` has priority (leftmost-first).
 * - JUMP: goes to `next`.
 * - ASSERT: goes to `next` when zero-width test `arg` (parse.ts) holds here.
 * - MATCH: a match ends here.
 *
 * Bytes are grouped into classes that every set and test treats alike, so
 * tables have one column per class, not per byte value.
 */
export const BYTE = 0;
export const SPLIT = 1;
export const JUMP = 2;
export const ASSERT = 3;
export const MATCH = 4;

export interface Program {
  readonly size: number;
  readonly op: Uint8Array;
  readonly arg: Int32Array;
  readonly next: Int32Array;
  readonly alt: Int32Array;
  /** Byte value -> class. */
  readonly classOf: Uint8Array;
  readonly classes: number;
  /** setHas[set * classes + class]: 1 when the class is in the set. */
  readonly setHas: Uint8Array;
  /** 1 when the class's bytes are word characters (ASCII \w). */
  readonly wordClass: Uint8Array;
  /** Whether any ASSERT tests a word boundary (then the matcher tracks the previous byte). */
  readonly usesWord: boolean;
  /** Position flags after a byte of each class: PREV_WORD (closure.ts) for a word byte, if the pattern tests words. */
  readonly flagAfter: Uint8Array;
}
