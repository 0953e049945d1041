import { BEGIN, END, WORD_BOUNDARY } from './parse.js';
import { ASSERT, BYTE, JUMP, MATCH, SPLIT, type Program } from './program.js';

/** Where the matcher stands, for the zero-width tests: flags of the position, and the class of the byte ahead. */
export const AT_START = 1;
export const PREV_WORD = 2;
/** The class "ahead" at the end of the input. */
export const EOF = -1;

export function assertHolds(p: Program, kind: number, flags: number, ahead: number): boolean {
  if (kind === BEGIN) return (flags & AT_START) !== 0;
  if (kind === END) return ahead === EOF;
  const before = (flags & PREV_WORD) !== 0;
  const after = ahead !== EOF && p.wordClass[ahead] === 1;
  return kind === WORD_BOUNDARY ? before !== after : before === after;
}

/**
 * Whether the pattern can match without consuming a byte, in some context
 * (every zero-width test taken as passing): such a pattern would match at
 * every position, so the checker refuses it.
 */
export function matchesEmpty(p: Program): boolean {
  const seen = new Uint8Array(p.size);
  const stack = [0];
  while (stack.length) {
    const pc = stack.pop()!;
    if (seen[pc]) continue;
    seen[pc] = 1;
    switch (p.op[pc]) {
      case MATCH:
        return true;
      case JUMP:
      case ASSERT:
        stack.push(p.next[pc]);
        break;
      case SPLIT:
        stack.push(p.next[pc], p.alt[pc]);
        break;
      case BYTE:
        break;
    }
  }
  return false;
}

/**
 * Whether, away from the start of the input, the start instruction reaches
 * nothing at all (the pattern is anchored with ^): then a search that has
 * no thread left can stop.
 */
export function deadAwayFromStart(p: Program): boolean {
  const seen = new Uint8Array(p.size);
  const stack = [0];
  while (stack.length) {
    const pc = stack.pop()!;
    if (seen[pc]) continue;
    seen[pc] = 1;
    switch (p.op[pc]) {
      case MATCH:
      case BYTE:
        return false;
      case JUMP:
        stack.push(p.next[pc]);
        break;
      case ASSERT:
        if (p.arg[pc] !== BEGIN) stack.push(p.next[pc]);
        break;
      case SPLIT:
        stack.push(p.next[pc], p.alt[pc]);
        break;
    }
  }
  return true;
}
