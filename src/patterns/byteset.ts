/**
 * Sets of byte values (0-255), as the automaton tests them: one flag per byte.
 * Built at compile time only; the matcher works on byte classes (classes.ts).
 */
export type ByteSet = Uint8Array;

export function byteSet(...ranges: [number, number][]): ByteSet {
  const s = new Uint8Array(256);
  for (const [lo, hi] of ranges) addRange(s, lo, hi);
  return s;
}

export function addRange(s: ByteSet, lo: number, hi: number): void {
  for (let b = lo; b <= hi; b++) s[b] = 1;
}

export function addAll(s: ByteSet, t: ByteSet): void {
  for (let b = 0; b < 256; b++) if (t[b]) s[b] = 1;
}

export function complement(s: ByteSet): ByteSet {
  const c = new Uint8Array(256);
  for (let b = 0; b < 256; b++) c[b] = s[b] ? 0 : 1;
  return c;
}

/** Case-insensitive matching folds ASCII letters only: a byte above 0x7F is not taken for a Latin-1 letter. */
export function foldAscii(s: ByteSet): ByteSet {
  const f = s.slice();
  for (let b = 0x41; b <= 0x5a; b++) {
    if (s[b] || s[b + 0x20]) f[b] = f[b + 0x20] = 1;
  }
  return f;
}

export function isEmpty(s: ByteSet): boolean {
  for (let b = 0; b < 256; b++) if (s[b]) return false;
  return true;
}

/** \d, \w, \s as the pattern dialect defines them: ASCII only (docs/language.md, Patterns). */
export const DIGIT = byteSet([0x30, 0x39]);
export const WORD = byteSet([0x30, 0x39], [0x41, 0x5a], [0x61, 0x7a], [0x5f, 0x5f]);
/** Tab, line feed, vertical tab, form feed, carriage return, space; not 0xA0, which in a payload is usually part of a UTF-8 sequence. */
export const SPACE = byteSet([0x09, 0x0d], [0x20, 0x20]);
/** `.` without the s flag: every byte but the line terminators \n and \r, as in JavaScript. */
export const DOT = complement(byteSet([0x0a, 0x0a], [0x0d, 0x0d]));
export const ANY = byteSet([0, 255]);
