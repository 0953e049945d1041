/**
 * The masking scanners' next-trigger finder: a small WebAssembly module,
 * assembled here at load from opcodes (no tool chain, no pattern text in
 * it: its tables are data in its memory), that finds in the segment in hand
 * the next byte where a scanner has work. A JavaScript loop over a
 * Uint8Array costs V8 about 17-20 instructions a byte (the array's map,
 * length and data pointer re-checked every turn); this one a few
 * (docs/design/mask.md, session 6). The scanners copy the segment into the
 * module's memory once (SegmentText.wasm) and ask it where to go; what they
 * do at the bytes it finds is unchanged, so what is masked is too.
 *
 * Memory: a byte-class table at CLASS_AT (a bit a class, set by the
 * scanners at their load), lower case at LOWER_AT, two 64 KiB tables of
 * two-byte pairs (credentials' keyword starts), find's nibble tables at
 * SHUF_AT, then the segment at SEG_AT.
 */

/** Class bits, one a use. */
export const C_DIGIT = 1;
/** Credentials' jump stops (`=`, quotes, `<`, IAC): a field name or a tag may end or start there. */
export const C_JUMP = 2;
/** CR, LF. */
export const C_BREAK = 4;
/** What ends a line's word for its commands: space, colon, CR, LF. */
export const C_WORD_END = 8;
/** A card number's group separators: space, dash. */
export const C_SEP = 16;
/**
 * The bytes of a field name (credentials' NAME_BYTE), and the stops that may end one (`=`, quotes): work tests
 * these bytes one at a time, never through find, whose tables cover the bits below 32 only.
 */
export const C_NAME_BYTE = 32;
export const C_NAME_END = 64;
/**
 * The bytes one of which every credential field name holds (fields.ts: KEY_LETTERS, both cases): a name
 * without one is no credential's, so no value starts after it (plain below); tested a byte at a time.
 */
export const C_NAME_KEY = 128;

const CLASS_AT = 0;
const LOWER_AT = 256;
/** The first two bytes (lower case, b0 << 8 | b1) of the keywords of word-1 rules: 1 where one starts so. */
export const PAIR_1_AT = 512;
/** ... of word-2 rules. */
export const PAIR_2_AT = PAIR_1_AT + 65536;
/**
 * find's 16-byte tests: for each class mask (0-31), two 16-byte tables, by
 * low and by high nibble, whose AND has a bit exactly for the bytes of the
 * mask's classes (see shuffleTables).
 */
const SHUF_AT = PAIR_2_AT + 65536;
const MASKS = 32;
/**
 * For each first-two-byte pair (as PAIR_1_AT's index), the lengths of the
 * word-1 keywords that start so, a bit a length (bit 31: 31 or longer), four
 * bytes little-endian: a line's first word that starts with a keyword's pair
 * but has none of their lengths is no keyword (HTTP's `Content-Type`,
 * `User-Agent`, `Accept` against `content-disposition`, `user`, `acct`).
 */
export const LENGTHS_1_AT = SHUF_AT + MASKS * 32;
/** The longest length LENGTHS_1_AT tells apart (its bit 31 stands for this and more). */
export const LENGTH_TOP = 31;
/**
 * work's second answer (see work): the address of the line it answered in, when it answered at a stop inside a
 * line it found cleared after a line break, else -1 (an i32, set at each call).
 */
const LINE_AT = LENGTHS_1_AT + 65536 * 4;
/**
 * The third and fourth bytes (lower case, as PAIR_2_AT's index) of the keywords of word-2 rules: a second word whose
 * first two bytes are a keyword's but whose next two are none's is no keyword (every such keyword has four bytes
 * or more: credentials.ts checks). The bench's text bodies' `lorem` shares `lo` with IMAP's `login`: those lines
 * were most of work's answers that JavaScript's mayCommand then found no command in (a return and a call a line).
 */
export const PAIR_2_NEXT_AT = LINE_AT + 16;
const SEG_AT = PAIR_2_NEXT_AT + 65536;
const PAGE = 65536;
/** find's and card's SIMD block. */
const BLOCK = 16;
const SPACE = 0x20;
/** Telnet's IAC: in a line's first four bytes it leaves the line to be read (credentials' clearLine). */
const IAC = 0xff;
/** An XML tag's start: the tag's name follows it. */
const LT = 0x3c;
/** A form field's name ends at it. */
const EQUALS = 0x3d;

// ---- a minimal WebAssembly emitter: numbers in, bytes out ----

const uleb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
};
const sleb = (n: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
};
const section = (id: number, bytes: number[]): number[] => [id, ...uleb(bytes.length), ...bytes];
const name = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];

const I32 = 0x7f;
const VOID = 0x40;
// opcodes
const block = [0x02, VOID];
const loop = [0x03, VOID];
const if_ = [0x04, VOID];
const ELSE = 0x05;
const end = 0x0b;
const br = (d: number) => [0x0c, d];
const brIf = (d: number) => [0x0d, d];
const ret = 0x0f;
const call = (f: number) => [0x10, f];
const get = (l: number) => [0x20, l];
const set = (l: number) => [0x21, l];
const tee = (l: number) => [0x22, l];
const i32 = (n: number) => [0x41, ...sleb(n)];
/** i32.load8_u at (address on the stack) + offset. */
const load8 = (offset: number) => [0x2d, 0x00, ...uleb(offset)];
const eqz = 0x45;
const eq = 0x46;
const ne = 0x47;
const ltS = 0x48;
const ltU = 0x49;
const geU = 0x4f;
const add = 0x6a;
const sub = 0x6b;
const and = 0x71;
const or = 0x72;
const shl = 0x74;
const shrU = 0x76;
const xor = 0x73;
const ctz = 0x68;
/** i32.load (4-byte aligned) at (address on the stack) + offset. */
const load32 = (offset: number) => [0x28, 0x02, ...uleb(offset)];
/** i32.store (4-byte aligned) at (address, value on the stack) + offset. */
const store32 = (offset: number) => [0x36, 0x02, ...uleb(offset)];
const select = 0x1b;

// SIMD (v128), prefix 0xfd
const V128 = 0x7b;
const simd = (op: number) => [0xfd, ...uleb(op)];
const v128Load = (offset: number) => [...simd(0x00), 0x00, ...uleb(offset)];
const v128Const = (bytes: number[]) => [...simd(0x0c), ...bytes];
const swizzle = simd(0x0e);
const v128And = simd(0x4e);
const anyTrue = simd(0x53);
const i8x16ShrU = simd(0x6d);
const i8x16Eq = simd(0x23);
const i8x16Bitmask = simd(0x64);
const i8x16Sub = simd(0x71);
const i8x16SubSatU = simd(0x73);
const i32x4Eq = simd(0x37);
const i32x4Bitmask = simd(0xa4);

/** The class bits of the byte at address local `l` + k. */
const classAt = (l: number, k = 0) => [...get(l), ...load8(k), ...load8(CLASS_AT)];

/**
 * A card number's fewest digits (mask-card.ts): card() looks for runs of at
 * least this many digit-or-separator bytes, the length built into its code.
 */
export const CARD_MIN_DIGITS = 13;
/** The AND-shift chain that leaves bit i of a run mask set when bits i .. i + n - 1 all are (local `l`). */
const runsOf = (l: number, n: number): number[] => {
  const out: number[] = [];
  let len = 1;
  const step = (k: number) => out.push(...get(l), ...get(l), ...i32(k), shrU, and, ...set(l));
  for (; len * 2 <= n; len *= 2) step(len);
  if (len < n) step(n - len);
  return out;
};
/** v = the 16 bytes at local `at` + offset, lo and hi their nibbles (v128 locals). */
const nibbles = (at: number, offset: number, v: number, lo: number, hi: number) => [
  ...get(at),
  ...v128Load(offset),
  ...tee(v),
  ...v128Const(new Array(16).fill(0x0f)),
  ...v128And,
  ...set(lo),
  ...get(v),
  ...i32(4),
  ...i8x16ShrU,
  ...set(hi),
];
/** A 16-bit mask of the bytes (nibbles lo, hi) whose class is in find's nibble tables L, H (v128 locals). */
const bitsOf = (L: number, H: number, lo: number, hi: number) => [
  ...get(L),
  ...get(lo),
  ...swizzle,
  ...get(H),
  ...get(hi),
  ...swizzle,
  ...v128And,
  ...v128Const(new Array(16).fill(0)),
  ...i8x16Eq,
  ...i8x16Bitmask,
  ...i32(0xffff),
  xor,
];
/** The mask of a block's first n bytes (local), all 16 from 16 on. */
const keepOf = (n: number) => [
  ...i32(1),
  ...get(n),
  shl,
  ...i32(1),
  sub,
  ...i32(0xffff),
  ...get(n),
  ...i32(16),
  ltU,
  select,
];

// find(p, to, mask): the first q in [p, to) whose byte's class has a bit of mask, else to.
// Sixteen bytes a test (the nibble tables at SHUF_AT: two swizzles, an AND, a bitmask of the bytes that may be in
// the class), the bits of bytes past `to` cleared; a block with bits answers its first byte whose class has a bit
// of mask (ctz), each bit checked against the class table: where the tables could not tell the classes apart
// (shuffleTables' every-byte fallback) a bit is a candidate only. Before, a block with a hit was read byte by byte
// to it (about ten instructions a byte, most of a short line's find).
// locals: 0 p, 1 to, 2 mask; v128: 3 lo table, 4 hi table, 5 v, 6 lo, 7 hi; 8 q, 9 m
// prettier-ignore
const findBody = [
  0x02, 0x05, V128, 0x02, I32,
  ...get(2), ...i32(5), shl, ...v128Load(SHUF_AT), ...set(3),
  ...get(2), ...i32(5), shl, ...v128Load(SHUF_AT + 16), ...set(4),
  ...loop,
  ...get(0), ...get(1), geU, ...if_, ...get(1), ret, end,
  ...nibbles(0, 0, 5, 6, 7),
  ...bitsOf(3, 4, 6, 7), ...set(9),
  ...get(1), ...get(0), sub, ...i32(BLOCK), ltU, ...if_,
  ...get(9), ...i32(1), ...get(1), ...get(0), sub, shl, ...i32(1), sub, and, ...set(9),
  end,
  ...block, ...loop,
  ...get(9), eqz, ...brIf(1),
  ...get(0), ...get(9), ctz, add, ...tee(8), ...load8(0), ...load8(CLASS_AT), ...get(2), and, ...if_, ...get(8), ret, end,
  ...get(9), ...get(9), ...i32(1), sub, and, ...set(9),
  ...br(0),
  end, end,
  ...get(0), ...i32(BLOCK), add, ...set(0),
  ...br(0),
  end,
  ...get(1),
  end,
];

// card(p, to): where card-number's loop outside a run has work: the first digit s in [p, to) whose next
// CARD_MIN_DIGITS bytes, or all of them to `to`, are digits or separators (a card number's window starts at a
// digit and holds at least that many digits, its separators between; a run that reaches `to` may go on in the next
// segment); else to. Over the bytes before it card-number's loop ends every run it starts with no report.
// Sixteen bytes a test: blocks without a digit are passed as find passes them; in a block with one, the 16-bit
// masks of its digits and of its and the next block's digit-or-separator bytes (find's nibble tables, bitmask);
// runsOf leaves the starts of CARD_MIN_DIGITS such bytes in a row, the digit mask those at a digit. Bytes past
// `to` count as separators and never as digits, so a run reaching `to` is found and what lies beyond is never
// read as text (load() keeps a block's room past the segment).
// locals: 0 p, 1 to, 2 q, 3 n (to - q), 4 c, 5 d, 6 r, 7 keep; v128: 8 v, 9 lo, 10 hi, 11-12 the digit tables,
// 13-14 the digit-or-separator tables
const DIGIT_TABLES = SHUF_AT + 32 * C_DIGIT;
/**
 * The bytes card's block prefilter takes for run bytes (digits or separators): RUN_LOW to RUN_HIGH, a superset of
 * them (markClass refuses a digit or separator outside it), so that a block is tested in a few instructions.
 */
export const RUN_LOW = 0x20;
export const RUN_HIGH = 0x39;
/**
 * A 4-bit mask of the four-byte groups of the 16 bytes at local `at` + offset whose bytes are all in RUN_LOW to
 * RUN_HIGH: those minus RUN_LOW, less RUN_HIGH - RUN_LOW (saturating), are 0.
 */
const fullGroups = (at: number, offset: number) => [
  ...get(at),
  ...v128Load(offset),
  ...v128Const(new Array(16).fill(RUN_LOW)),
  ...i8x16Sub,
  ...v128Const(new Array(16).fill(RUN_HIGH - RUN_LOW)),
  ...i8x16SubSatU,
  ...v128Const(new Array(16).fill(0)),
  ...i32x4Eq,
  ...i32x4Bitmask,
];
/**
 * Window starts that the prefilter keeps: a window of CARD_MIN_DIGITS bytes from s holds the two groups from the
 * first group start at or after s (s + 3 at most, the second group's last byte s + 10); a start in a block makes
 * that first group one of its four or the next block's first (pair starts 0 to 4).
 */
const PAIR_STARTS = 0x1f;
const RUN_TABLES = SHUF_AT + 32 * (C_DIGIT | C_SEP);
// prettier-ignore
const cardBody = [
  0x03, 0x06, I32, 0x07, V128, 0x02, I32,
  ...get(0), ...get(1), geU, ...if_, ...get(1), ret, end,
  ...i32(0), ...v128Load(DIGIT_TABLES), ...set(11), ...i32(0), ...v128Load(DIGIT_TABLES + 16), ...set(12),
  ...i32(0), ...v128Load(RUN_TABLES), ...set(13), ...i32(0), ...v128Load(RUN_TABLES + 16), ...set(14),
  ...get(0), ...set(2),
  ...loop,
  // whole blocks where no window can start: no two full groups in a row among the block's four and the next
  // block's first two (RUN_LOW..RUN_HIGH, a superset of the run bytes), or else no digit in the block
  ...fullGroups(2, 0), ...set(15),
  ...block, ...loop,
  ...get(2), ...i32(2 * BLOCK), add, ...get(1), 0x4b /* gt_u */, ...brIf(1),
  ...fullGroups(2, BLOCK), ...tee(16), ...i32(4), shl, ...get(15), or, ...tee(15),
  ...get(15), ...i32(1), shrU, and, ...i32(PAIR_STARTS), and,
  ...get(16), ...set(15),
  ...if_,
  ...nibbles(2, 0, 8, 9, 10),
  ...get(11), ...get(9), ...swizzle, ...get(12), ...get(10), ...swizzle, ...v128And, ...anyTrue, ...brIf(2),
  end,
  ...get(2), ...i32(BLOCK), add, ...set(2),
  ...br(0),
  end, end,
  ...get(2), ...get(1), geU, ...if_, ...get(1), ret, end,
  // a block with a digit, or the last bytes: its digits and runs, its bytes past `to` separators
  ...get(1), ...get(2), sub, ...set(3),
  ...nibbles(2, 0, 8, 9, 10),
  ...keepOf(3), ...set(7),
  ...bitsOf(13, 14, 9, 10), ...get(7), and, ...get(7), ...i32(0xffff), xor, or, ...set(4),
  ...bitsOf(11, 12, 9, 10), ...get(7), and, ...set(5),
  // the next block's digit-or-separator bytes (all past `to`: separators)
  ...i32(0xffff), ...set(6),
  ...get(3), ...i32(16), 0x4a /* gt_s */, ...if_,
  ...get(3), ...i32(16), sub, ...set(3),
  ...nibbles(2, 16, 8, 9, 10),
  ...keepOf(3), ...set(7),
  ...bitsOf(13, 14, 9, 10), ...get(7), and, ...get(7), ...i32(0xffff), xor, or, ...set(6),
  ...get(3), ...i32(16), add, ...set(3),
  end,
  ...get(4), ...get(6), ...i32(16), shl, or, ...set(6),
  ...runsOf(6, CARD_MIN_DIGITS),
  ...get(6), ...get(5), and, ...tee(6),
  ...if_, ...get(2), ...get(6), ctz, add, ret, end,
  ...get(3), ...i32(16), 0x4c /* le_s */, ...if_, ...get(1), ret, end,
  ...get(2), ...i32(16), add, ...set(2),
  ...br(0),
  end,
  ...get(1),
  end,
];

// work(p, to, before, keep, iacFrom): credentials' nextWork() without its keyword compare, as 2 q + flag: flag 0,
// q is the answer; flag 1, q is a line break before a line that may start with a command (the caller
// checks; if not, it goes on from q + 1 with before = q). before: the line break before the line in
// hand, or -1. keep: LINE_KEEP. iacFrom: the address from which an IAC is a data byte (past the stream's
// negotiation window; the caller is quiet, so no Telnet session): such an IAC is text, as is an = or quote that
// ends no credential's name (text) and a < whose tag cannot be one's (tagPlain); the search goes on after them.
// A stop in a later line that clearLine would clear is answered itself, the line's start stored (clearedLine).
// locals: 0 p, 1 to, 2 before, 3 keep, 4 iacFrom, 5 q, 6 s, 7 e (the line's end for commands), 8 k, 9 the first p
const pairAt = (table: number, l: number, k = 0) => [
  ...get(l),
  ...load8(k),
  ...load8(LOWER_AT),
  ...i32(8),
  shl,
  ...get(l),
  ...load8(k + 1),
  ...load8(LOWER_AT),
  or,
  ...load8(table),
];
/**
 * Whether the second word starting at local k, in a line's first bytes ending at local e, may be a word-2 keyword
 * (a branch `may` levels up from where this code stands when it may; else it falls through): its first two bytes
 * a keyword's (PAIR_2_AT) and its next two too (PAIR_2_NEXT_AT), or fewer than four bytes of it before e.
 */
// prettier-ignore
const word2May = (k: number, e: number, may: number) => [
  ...pairAt(PAIR_2_AT, k), ...if_,
  ...get(k), ...i32(3), add, ...get(e), geU, ...brIf(may + 1),
  ...pairAt(PAIR_2_NEXT_AT, k, 2), ...brIf(may + 1),
  end,
];
/**
 * Whether the first word, bytes [local s, local k), may be a word-1 keyword:
 * a keyword starting with its pair has its length (LENGTHS_1_AT).
 */
const word1Fits = (s: number, k: number) => [
  ...get(s),
  ...load8(0),
  ...load8(LOWER_AT),
  ...i32(8),
  shl,
  ...get(s),
  ...load8(1),
  ...load8(LOWER_AT),
  or,
  ...i32(2),
  shl,
  ...load32(LENGTHS_1_AT),
  ...get(k),
  ...get(s),
  sub,
  ...i32(LENGTH_TOP),
  ...get(k),
  ...get(s),
  sub,
  ...i32(LENGTH_TOP),
  ltU,
  select,
  shrU,
  ...i32(1),
  and,
];
/** The answer at q when nothing before it (before < 0) is one: 2 * (before < 0 ? q : before). */
const answer = (q: number[]) => [...q, ...get(2), ...get(2), ...i32(0), ltS, select, ...i32(1), shl, ret];
/**
 * At a `<` (local q): when the name bytes after it hold no key letter (C_NAME_KEY) and end before local `to`
 * (else the name may go on in the next segment), the search goes on after it (local p = q + 1, a branch to work's
 * loop, `out` levels up from where this code stands); else it falls through. Read as a tag (T_TAG), such a name
 * ends with the tokenizer idle and no value after it, as text reading the same bytes as a name without a key
 * letter leaves it (no form, JSON or XML value after either). Local k: scratch.
 */
// prettier-ignore
const tagPlain = (q: number, to: number, k: number, p: number, out: number) => [
  ...get(q), ...set(k),
  ...block,
  ...loop,
  ...get(k), ...i32(1), add, ...tee(k), ...get(to), geU, ...brIf(1),
  ...classAt(k), ...i32(C_NAME_KEY), and, ...brIf(1),
  ...classAt(k), ...i32(C_NAME_BYTE), and, ...brIf(0),
  ...get(q), ...i32(1), add, ...set(p), ...br(out + 2),
  end,
  end,
];
/**
 * At a stop q (local) that work answers at after a line break (before, local 2, >= 0): whether the line that
 * starts after it (s, local 5) is one credentials' clearLine clears, so that the caller may take its start as
 * read (its first byte stepped, the line's start given up) and go on to q without returning to the break: its
 * first byte no stop, line break, word end (space, colon: a word would end there) or NUL (mayCommand's "may");
 * at least four bytes (its head) to the segment's end; no IAC among them (q is its first stop that is not text, so
 * an IAC before q cannot be); and plain over its first keep bytes, or those to the segment's end (see
 * credentials.ts clearLine: the segment's last line). That no command starts it, work has decided before setting `before`. Then s is stored at
 * LINE_AT and 2 q answered; else the break (2 before). q may be `to` (no stop after the line's start: the
 * segment's last line, entered to its end).
 */
// prettier-ignore
const clearedLine = () => [
  ...get(2), ...i32(1), add, ...set(6),
  ...block,
  ...classAt(6), ...i32(C_JUMP | C_BREAK | C_WORD_END), and, ...brIf(0),
  ...get(6), ...load8(0), eqz, ...brIf(0),
  ...get(1), ...get(6), sub, ...get(3), 0x4d /* le_u */, ...if_,
  ...get(1), ...get(6), sub, ...i32(4), ltU, ...brIf(1),
  end,
  ...get(5), ...get(6), sub, ...i32(4), ltU, ...if_,
  ...get(5), ...load8(0), ...i32(IAC), eq, ...brIf(1),
  end,
  // plain over the line's first keep bytes, or those to the segment's end
  ...get(6),
  ...get(6), ...get(3), add, ...tee(7), ...get(1), ...get(7), ...get(1), ltU, select,
  ...get(1), ...call(4), eqz, ...brIf(0),
  ...i32(0), ...get(6), ...store32(LINE_AT),
  ...get(5), ...i32(1), shl, ret,
  end,
];
const WORD_END_TABLES = SHUF_AT + 32 * C_WORD_END;
/**
 * k (local 8) = find(s, e, C_WORD_END) (locals 6, 7), the end of a line's first word: the 16 bytes at s tested at
 * once (nine lines in ten of the bench's traffic end their first word there), a call to find only past them or
 * where the nibble tables' bit is a candidate only. Locals: v128 10-12, i32 13 (scratch).
 */
// prettier-ignore
const firstWordEnd = () => [
  ...nibbles(6, 0, 10, 11, 12),
  ...i32(0), ...v128Load(WORD_END_TABLES), ...get(11), ...swizzle,
  ...i32(0), ...v128Load(WORD_END_TABLES + 16), ...get(12), ...swizzle,
  ...v128And, ...v128Const(new Array(16).fill(0)), ...i8x16Eq, ...i8x16Bitmask, ...i32(0xffff), xor,
  ...get(7), ...get(6), sub, ...set(13), ...keepOf(13), and, ...tee(13),
  ...if_,
  ...get(6), ...get(13), ctz, add, ...tee(8), ...load8(0), ...load8(CLASS_AT), ...i32(C_WORD_END), and, eqz, ...if_,
  ...get(6), ...get(7), ...i32(C_WORD_END), ...call(0), ...set(8),
  end,
  ELSE,
  ...get(6), ...i32(BLOCK), add, ...get(7), ...i32(C_WORD_END), ...call(0), ...set(8),
  end,
];
const STOP_TABLES = SHUF_AT + 32 * (C_JUMP | C_BREAK);
/**
 * q (local 5) = find(p, to, C_JUMP | C_BREAK) (locals 0, 1; p is moved on), or a stop past `to` where find answers
 * `to` (work takes any q >= to for `to`); find's loop in work's body: a line of
 * text costs one or two such searches, and a call to find set its tables up each time. Locals: v128 10-12, the
 * nibble tables 14-15 (set at work's start), i32 16 (the block's bits).
 */
// prettier-ignore
const findStop = () => [
  ...block, ...loop,
  ...get(0), ...get(1), geU, ...if_, ...get(1), ...set(5), ...br(2), end,
  ...nibbles(0, 0, 10, 11, 12),
  // bits past `to` are left: the first stop found past it answers `to` (work's next test), and bits come lowest first
  ...bitsOf(14, 15, 11, 12), ...set(16),
  ...block, ...loop,
  ...get(16), eqz, ...brIf(1),
  ...get(0), ...get(16), ctz, add, ...tee(5), ...load8(0), ...load8(CLASS_AT), ...i32(C_JUMP | C_BREAK), and,
  ...brIf(3),
  ...get(16), ...get(16), ...i32(1), sub, and, ...set(16),
  ...br(0),
  end, end,
  ...get(0), ...i32(BLOCK), add, ...set(0),
  ...br(0),
  end, end,
];
// prettier-ignore
const workBody = [
  0x05, 0x05, I32, 0x03, V128, 0x01, I32, 0x02, V128, 0x01, I32,
  ...i32(0), ...i32(-1), ...store32(LINE_AT),
  ...get(0), ...set(9),
  ...i32(0), ...v128Load(STOP_TABLES), ...set(14), ...i32(0), ...v128Load(STOP_TABLES + 16), ...set(15),
  ...loop,
  ...findStop(),
  ...get(5), ...get(1), geU, ...if_,
  // no stop to the segment's end: its last line may be entered to there (clearedLine at q = to)
  ...get(1), ...set(5),
  ...get(2), ...i32(0), 0x4e /* ge_s */, ...if_, ...clearedLine(), end,
  ...answer(get(1)),
  end,
  ...classAt(5), ...i32(C_JUMP), and, ...if_,
  // an = or a quote that ends no credential field's name (see text below) is text; the search goes on after it
  ...classAt(5), ...i32(C_NAME_END), and, ...if_,
  ...get(5), ...get(9), ...call(5), ...if_,
  ...get(5), ...i32(1), add, ...set(0), ...br(3),
  end, end,
  // a data byte 0xFF (IAC past the stream's first bytes: the scanner is quiet, so no Telnet) is text
  ...get(5), ...load8(0), ...i32(IAC), eq, ...if_,
  ...get(5), ...get(4), geU, ...if_,
  ...get(5), ...i32(1), add, ...set(0), ...br(3),
  end, end,
  // a < whose tag name holds no key letter and ends in the segment: no value follows it (see tagPlain)
  ...get(5), ...load8(0), ...i32(LT), eq, ...if_,
  ...tagPlain(5, 1, 8, 0, 2),
  end,
  ...get(2), ...i32(0), 0x4e /* ge_s */, ...if_, ...clearedLine(), end,
  ...answer(get(5)),
  end,
  // a line break at q: may the next line start with a command? (a superset of mayCommand())
  ...block,
  ...get(5), ...i32(1), add, ...tee(6), ...get(1), geU, ...brIf(0),
  ...get(6), ...load8(0), eqz, ...brIf(0),
  // a line break first (CR LF): an empty line, no command (its first word ends at once, at no space); go on there
  ...classAt(6), ...i32(C_BREAK), and, ...if_, ...get(5), ...set(2), ...get(6), ...set(0), ...br(2), end,
  ...get(6), ...get(3), add, ...tee(7), ...get(1), ...get(7), ...get(1), ltU, select, ...set(7),
  ...get(6), ...i32(1), add, ...get(7), geU, ...brIf(0),
  ...firstWordEnd(),
  ...get(8), ...get(1), eq, ...brIf(0),
  ...word1Fits(6, 8), ...brIf(0),
  // no command on this line: go on after its break
  ...block,
  ...get(8), ...get(7), eq, ...brIf(0),
  ...get(8), ...load8(0), ...i32(SPACE), ne, ...brIf(0),
  ...get(8), ...i32(1), add, ...tee(8), ...i32(1), add, ...get(7), geU, ...brIf(1),
  ...word2May(8, 7, 1),
  end,
  ...get(5), ...set(2),
  ...get(5), ...i32(1), add, ...set(0),
  ...br(1),
  end,
  ...get(5), ...i32(1), shl, ...i32(1), or, ret,
  end,
  ...i32(0),
  end,
];

// may(s, to, keep): whether the line starting at s may start with a command, as work tells lines (1, else 0): a
// superset of credentials' mayCommand() (a line it clears is none), for a line whose first byte was just read.
// locals: 0 s, 1 to, 2 keep, 3 e, 4 k
// prettier-ignore
const mayBody = [
  0x01, 0x02, I32,
  ...block,
  ...get(0), ...get(1), geU, ...brIf(0),
  ...get(0), ...load8(0), eqz, ...brIf(0),
  ...get(0), ...get(2), add, ...tee(3), ...get(1), ...get(3), ...get(1), ltU, select, ...set(3),
  ...get(0), ...i32(1), add, ...get(3), geU, ...brIf(0),
  ...get(0), ...get(3), ...i32(C_WORD_END), ...call(0), ...set(4),
  ...get(4), ...get(1), eq, ...brIf(0),
  ...word1Fits(0, 4), ...brIf(0),
  ...block,
  ...get(4), ...get(3), eq, ...brIf(0),
  ...get(4), ...load8(0), ...i32(SPACE), ne, ...brIf(0),
  ...get(4), ...i32(1), add, ...tee(4), ...i32(1), add, ...get(3), geU, ...brIf(1),
  ...word2May(4, 3, 1),
  end,
  ...i32(0), ret,
  end,
  ...i32(1),
  end,
];

// plain(s, e, to): 1 when no field value can start in bytes [s, e) before a line break (so a line's first
// bytes, read, hold the bytes as they lie: credentials' clearLine), else 0. A value starts only after a credential
// field's name (`name=`, `"name":`) or tag (`<name>`), whose name holds a letter of C_NAME_KEY: each `=` or quote
// with a key letter in the name bytes before it (back to s), and each `<` with one in the name bytes after it
// (or whose name reaches `to`), answers 0; IAC and the other stops cannot start one.
// locals: 0 s, 1 e, 2 to, 3 p, 4 q, 5 k, 6 c
// prettier-ignore
const plainBody = [
  0x01, 0x04, I32,
  ...get(0), ...set(3),
  ...loop,
  ...get(3), ...get(1), ...i32(C_JUMP | C_BREAK), ...call(0), ...tee(4), ...get(1), geU, ...if_, ...i32(1), ret, end,
  ...classAt(4), ...i32(C_BREAK), and, ...if_, ...i32(1), ret, end,
  ...classAt(4), ...i32(C_NAME_END), and, ...if_,
  ...get(4), ...set(5),
  ...block, ...loop,
  ...get(5), ...get(0), 0x4d /* le_u */, ...brIf(1),
  ...get(5), ...i32(1), sub, ...load8(0), ...load8(CLASS_AT), ...tee(6), ...i32(C_NAME_BYTE), and, eqz, ...brIf(1),
  ...get(6), ...i32(C_NAME_KEY), and, ...if_, ...i32(0), ret, end,
  ...get(5), ...i32(1), sub, ...set(5),
  ...br(0),
  end, end,
  end,
  ...get(4), ...load8(0), ...i32(LT), eq, ...if_,
  ...get(4), ...set(5),
  ...block, ...loop,
  ...get(5), ...i32(1), add, ...tee(5), ...get(2), geU, ...if_, ...i32(0), ret, end,
  ...classAt(5), ...tee(6), ...i32(C_NAME_BYTE), and, eqz, ...brIf(1),
  ...get(6), ...i32(C_NAME_KEY), and, ...if_, ...i32(0), ret, end,
  ...br(0),
  end, end,
  end,
  ...get(4), ...i32(1), add, ...set(3),
  ...br(0),
  end,
  ...i32(1),
  end,
];

// text(q, p0): 1 when the = or quote at q, work having begun at p0, ends no credential field's name, so that
// stepping it leaves the field tokenizer as text does (idle, or after a quoted name that is no credential's: no
// value follows, the next bytes read as from idle); else 0. The name under way is the run of name bytes before q
// (nameBefore), if a byte that is no name byte, at p0 or after, comes before it (else it may have begun before p0:
// 0). No such run: no name ends (1). At `=` a name ends and is a credential's only with a key letter
// (C_NAME_KEY); at a quote only when the byte before the name is the same quote (a quoted name), and then a
// credential's only with a key letter.
// locals: 0 q, 1 p0, 2 k, 3 c, 4 key
// prettier-ignore
const textBody = [
  0x01, 0x03, I32,
  ...get(0), ...set(2),
  ...block, ...loop,
  ...get(2), ...get(1), 0x4d /* le_u */, ...if_, ...i32(0), ret, end,
  ...get(2), ...i32(1), sub, ...load8(0), ...load8(CLASS_AT), ...tee(3), ...i32(C_NAME_BYTE), and, eqz, ...brIf(1),
  ...get(4), ...get(3), or, ...set(4),
  ...get(2), ...i32(1), sub, ...set(2),
  ...br(0),
  end, end,
  ...get(2), ...get(0), eq, ...if_, ...i32(1), ret, end,
  ...get(0), ...load8(0), ...i32(EQUALS), ne, ...if_,
  ...get(2), ...i32(1), sub, ...load8(0), ...get(0), ...load8(0), ne, ...if_, ...i32(1), ret, end,
  end,
  ...get(4), ...i32(C_NAME_KEY), and, eqz,
  end,
];

// prettier-ignore
const MODULE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  ...section(1, [
    0x04,
    0x60, 0x03, I32, I32, I32, 0x01, I32,
    0x60, 0x04, I32, I32, I32, I32, 0x01, I32,
    0x60, 0x02, I32, I32, 0x01, I32,
    0x60, 0x05, I32, I32, I32, I32, I32, 0x01, I32,
  ]),
  ...section(3, [0x06, 0x00, 0x02, 0x03, 0x00, 0x00, 0x02]),
  ...section(5, [0x01, 0x00, ...uleb(Math.ceil((SEG_AT + PAGE) / PAGE))]),
  ...section(7, [
    0x06,
    ...name('mem'), 0x02, 0x00,
    ...name('find'), 0x00, 0x00,
    ...name('card'), 0x00, 0x01,
    ...name('work'), 0x00, 0x02,
    ...name('may'), 0x00, 0x03,
    ...name('plain'), 0x00, 0x04,
  ]),
  ...section(10, [
    0x06,
    ...uleb(findBody.length), ...findBody,
    ...uleb(cardBody.length), ...cardBody,
    ...uleb(workBody.length), ...workBody,
    ...uleb(mayBody.length), ...mayBody,
    ...uleb(plainBody.length), ...plainBody,
    ...uleb(textBody.length), ...textBody,
  ]),
]);

interface Exports {
  mem: WebAssembly.Memory;
  find(p: number, to: number, mask: number): number;
  card(p: number, to: number): number;
  work(p: number, to: number, before: number, keep: number, iacFrom: number): number;
  may(s: number, to: number, keep: number): number;
  plain(s: number, e: number, to: number): number;
}

const wasm = new WebAssembly.Instance(new WebAssembly.Module(MODULE), {}).exports as unknown as Exports;
let memory = new Uint8Array(wasm.mem.buffer);
for (let b = 0; b < 256; b++) memory[LOWER_AT + b] = b >= 0x41 && b <= 0x5a ? b | 0x20 : b;

/** Adds `bit` to the class of each of `bytes` (the scanners, at their load). */
export function markClass(bit: number, bytes: Iterable<number>): void {
  for (const b of bytes) {
    // card's prefilter passes blocks by a byte range (fullGroups): a run byte outside it would be missed
    if ((bit & (C_DIGIT | C_SEP)) !== 0 && (b < RUN_LOW || b > RUN_HIGH))
      throw new Error(`card's run bytes lie in ${RUN_LOW}..${RUN_HIGH}: ${b}`);
    memory[CLASS_AT + b] |= bit;
  }
  // a mask's tables change only when its classes do: only the masks with `bit` are built again (none for a bit
  // of MASKS or above, which find never tests), from one pass over the classes (the scanners' marks run at every
  // start-up, masking or not: session 13, "fixedcost")
  if ((bit & (MASKS - 1)) === 0) return;
  const lows = lowsByBit(memory.subarray(CLASS_AT, CLASS_AT + 256));
  for (let m = 0; m < MASKS; m++) if ((m & bit) !== 0) memory.set(tablesOf(lows, m), SHUF_AT + 32 * m);
}

/** For each high nibble h and class bit j, the low nibbles of the bytes (h << 4 | l) of class bit j (at h * 8 + j). */
function lowsByBit(classes: Uint8Array): Uint16Array {
  const lows = new Uint16Array(16 * 8);
  for (let b = 0; b < 256; b++) {
    const c = classes[b];
    if (c === 0) continue;
    for (let j = 0; j < 8; j++) if ((c & (1 << j)) !== 0) lows[(b >> 4) * 8 + j] |= 1 << (b & 15);
  }
  return lows;
}

/**
 * find's nibble tables for the bytes whose class has a bit of `mask`: lo (16
 * bytes, by a byte's low nibble) then hi (by its high nibble), such that
 * lo[b & 15] & hi[b >> 4] is not 0 exactly for those bytes. The high nibbles
 * whose bytes have the same set of low nibbles share a bit; with more than 8
 * such sets (not the case for the classes here) every byte tests positive
 * and find goes byte by byte, still exact.
 */
export function shuffleTables(classes: Uint8Array, mask: number): Uint8Array {
  return tablesOf(lowsByBit(classes), mask);
}

/** shuffleTables from lowsByBit's answer. */
function tablesOf(lowsOf: Uint16Array, mask: number): Uint8Array {
  const t = new Uint8Array(32);
  const sets: number[] = [];
  for (let h = 0; h < 16; h++) {
    let lows = 0;
    for (let j = 0; j < 8; j++) if ((mask & (1 << j)) !== 0) lows |= lowsOf[h * 8 + j];
    if (lows === 0) continue;
    let k = sets.indexOf(lows);
    if (k < 0) k = sets.push(lows) - 1;
    if (k >= 8) return t.fill(0xff);
    t[16 + h] |= 1 << k;
    for (let l = 0; l < 16; l++) if ((lows & (1 << l)) !== 0) t[l] |= 1 << k;
  }
  return t;
}

/** Copies a 64 KiB table into the module's memory at `at` (PAIR_1_AT, PAIR_2_AT, PAIR_2_NEXT_AT). */
export function setTable(at: number, table: Uint8Array): void {
  memory.set(table, at);
}

/** Copies the word-1 keywords' lengths by pair (65536 words, see LENGTHS_1_AT) into the module's memory. */
export function setLengths(lengths: Uint32Array): void {
  // one copy where the host is little-endian as wasm is (65,536 DataView stores took ~2 ms at every start-up, in
  // the interpreter); word by word where it is not
  if (new Uint8Array(Uint32Array.of(1).buffer)[0] === 1) {
    new Uint32Array(memory.buffer, LENGTHS_1_AT, lengths.length).set(lengths);
    return;
  }
  const view = new DataView(memory.buffer);
  for (let i = 0; i < lengths.length; i++) view.setUint32(LENGTHS_1_AT + 4 * i, lengths[i], true);
}

/** Who loaded the segment in memory last (a SegmentText, or a scanner's own copy). */
let owner: object | undefined;
const OWN = {};

/** How many bytes around a segment load() copies along rather than make a view of the segment. */
const WHOLE_SLACK = 256;

/**
 * Copies bytes[from, to) into the module's memory and returns the delta that
 * turns an index into bytes into the module's address (address = i + delta).
 * `by` says whose copy it is, for loaded(). Where bytes is little more than
 * the segment (a frame), all of it is copied: a view of the segment would
 * cost an allocation a segment (the finder never reads outside [from, to)).
 */
export function load(bytes: Uint8Array, from: number, to: number, by: object = OWN): number {
  const whole = bytes.length - (to - from) <= WHOLE_SLACK;
  // + BLOCK: card() reads a whole 16-byte block where the segment ends (the bytes past it are never used)
  const need = SEG_AT + (whole ? bytes.length : to - from) + BLOCK;
  if (need > memory.length) {
    wasm.mem.grow(Math.ceil((need - memory.length) / PAGE));
    memory = new Uint8Array(wasm.mem.buffer);
  }
  owner = by;
  if (whole) {
    memory.set(bytes, SEG_AT);
    return SEG_AT;
  }
  memory.set(bytes.subarray(from, to), SEG_AT);
  return SEG_AT - from;
}

/** Whether the segment `by` loaded last is still in memory. */
export function loaded(by: object): boolean {
  return owner === by;
}

/** The first index in [i, to) whose byte has a class bit of `mask`, else to. delta: load()'s. */
export function findClass(i: number, to: number, mask: number, delta: number): number {
  return wasm.find(i + delta, to + delta, mask) - delta;
}

/**
 * Where card-number has work from i (see card above): the first digit that
 * CARD_MIN_DIGITS digits or separators follow (itself among them), or all the
 * bytes to `to` do; else to.
 */
export function findCard(i: number, to: number, delta: number): number {
  return wasm.card(i + delta, to + delta) - delta;
}

/** Above any address of the module's memory (an i32): where IAC is never text. */
const MAX_ADDRESS = 2 ** 31 - 1;

/**
 * credentials' next work from i, as 2 q + flag (q an index into bytes; flag:
 * see work above); before: an index, or -1; iacFrom: the index from which an
 * IAC is text (Infinity: never).
 */
export function findWork(
  i: number,
  to: number,
  before: number,
  keep: number,
  delta: number,
  iacFrom = Infinity,
): number {
  const a = iacFrom + delta;
  const r = wasm.work(
    i + delta,
    to + delta,
    before < 0 ? -1 : before + delta,
    keep,
    a < 0 ? 0 : a > MAX_ADDRESS ? MAX_ADDRESS : a,
  );
  return ((r >>> 1) - delta) * 2 + (r & 1);
}

/**
 * After findWork answered at a stop: the index of the line's start it answered in when it found that line cleared
 * after a line break (see clearedLine above), else -1. The break before it is what findWork would have answered.
 */
export function workLine(delta: number): number {
  const s = memory[LINE_AT] | (memory[LINE_AT + 1] << 8) | (memory[LINE_AT + 2] << 16) | (memory[LINE_AT + 3] << 24);
  return s < 0 ? -1 : s - delta;
}

/** Whether the line starting at bytes[s] may start with a command (see may above: 0 means mayCommand() is false). */
export function mayLine(s: number, to: number, keep: number, delta: number): boolean {
  return wasm.may(s + delta, to + delta, keep) !== 0;
}

/**
 * Whether no field value can start in bytes[s, e) before a line break (see plain above): the line's first bytes
 * are then read as they lie. `to`: the segment's end.
 */
export function plainLine(s: number, e: number, to: number, delta: number): boolean {
  return wasm.plain(s + delta, e + delta, to + delta) !== 0;
}
