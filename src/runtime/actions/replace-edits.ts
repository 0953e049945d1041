/**
 * The substitutions one `replace` pattern made in one byte stream (one TCP
 * direction, or one datagram): each match [s, e) of the input became the
 * text. From them follow where any input offset lands in the output (`map`,
 * which shifts sequence and acknowledgement numbers) and the output bytes of
 * any input range (`synth`), so a segment and its retransmission, however
 * cut, come out alike: nothing but these edits decides what a range becomes.
 *
 * Inside a match the text is laid over the matched bytes one for one; what
 * is left of the text goes after the match's last byte, what is left of the
 * match maps to nothing:
 *
 *   map(p) = p + shift before the match          for p <= s
 *   map(p) = map(s) + min(p - s, L)              for s <= p < e
 *   map(e) = map(s) + L
 *
 * A segment that ends inside a match carries the part of the text its bytes
 * cover; one that holds only matched bytes beyond the text carries nothing.
 * A text as long as the match overwrites it byte for byte, as mask does.
 *
 * Offsets are stream offsets (numbers, exact past 2^32: a TCP stream may be
 * longer than its sequence space).
 */
export class EditList {
  private s: Float64Array<ArrayBuffer> = new Float64Array(8);
  private e: Float64Array<ArrayBuffer> = new Float64Array(8);
  /** map(s) of each edit. */
  private o: Float64Array<ArrayBuffer> = new Float64Array(8);
  /** Live edits are [lo, n). */
  private lo = 0;
  private n = 0;
  /** The shift before the first live edit (that of the edits forgotten). */
  private baseShift = 0;
  /** Where the last forgotten edit ended: a range that starts before it cannot be rewritten as it was. */
  forgottenEnd = -Infinity;
  /** Whether some edit changed the length (else map() is the identity). */
  resized = false;

  constructor(readonly text: Uint8Array) {}

  /** Edits kept. */
  get size(): number {
    return this.n - this.lo;
  }

  /** Records the match [s, e), which starts at or after the end of the last one. */
  add(s: number, e: number): void {
    const o = this.map(s);
    if (e - s !== this.text.length) this.resized = true;
    if (this.n === this.s.length) this.grow();
    this.s[this.n] = s;
    this.e[this.n] = e;
    this.o[this.n] = o;
    this.n++;
  }

  /** Where input offset p lands in the output. */
  map(p: number): number {
    const i = this.lastStartingAtOrBefore(p);
    if (i < 0) return p + this.baseShift;
    const L = this.text.length;
    const s = this.s[i];
    const e = this.e[i];
    if (p < e) return this.o[i] + Math.min(p - s, L);
    return this.o[i] + L + (p - e);
  }

  /** Forgets everything (for the next datagram). */
  clear(): void {
    this.lo = this.n = 0;
    this.baseShift = 0;
    this.forgottenEnd = -Infinity;
    this.resized = false;
  }

  /** Output length minus input length over everything edited so far. */
  get shift(): number {
    if (this.n === this.lo) return this.baseShift;
    const i = this.n - 1;
    return this.o[i] + this.text.length - this.e[i];
  }

  /** Whether some edit overlaps the input range [a, b). */
  touches(a: number, b: number): boolean {
    if (a >= b) return false;
    const i = this.lastStartingAtOrBefore(b - 1);
    return i >= 0 && this.e[i] > a;
  }

  /**
   * Writes the output bytes of the input range [a, b), whose bytes are
   * input[from, from + b - a), into out[at..]; returns how many it wrote
   * (map(b) - map(a)). `out` must have room for them.
   */
  synth(input: Uint8Array, from: number, a: number, b: number, out: Uint8Array, at: number): number {
    const text = this.text;
    const L = text.length;
    let w = at;
    let p = a;
    // the first edit that can overlap: the one starting at or before a, if it reaches past it
    let i = this.lastStartingAtOrBefore(a);
    if (i < 0 || this.e[i] <= a) i = i < 0 ? this.lo : i + 1;
    for (; i < this.n && this.s[i] < b; i++) {
      const s = this.s[i];
      const e = this.e[i];
      if (s > p) {
        out.set(input.subarray(from + (p - a), from + (s - a)), w);
        w += s - p;
        p = s;
      }
      const to = e < b ? e : b;
      const lo = Math.min(p - s, L);
      const hi = to === e ? L : Math.min(to - s, L);
      for (let k = lo; k < hi; k++) out[w++] = text[k];
      p = to;
    }
    if (p < b) {
      out.set(input.subarray(from + (p - a), from + (b - a)), w);
      w += b - p;
    }
    return w - at;
  }

  /**
   * Forgets the edits that end at or before `upTo` (data the receiver has
   * acknowledged: only a spurious retransmission can carry it again), keeping
   * at least `keep` of the newest.
   */
  forget(upTo: number, keep: number): void {
    let i = this.lo;
    const last = this.n - keep;
    while (i < last && this.e[i] <= upTo) i++;
    this.forgetBefore(i);
  }

  /** Forgets the oldest edits so that at most `max` remain. */
  cap(max: number): void {
    if (this.n - this.lo > max) this.forgetBefore(this.n - max);
  }

  private forgetBefore(i: number): void {
    if (i <= this.lo) return;
    const k = i - 1;
    this.baseShift = this.o[k] + this.text.length - this.e[k];
    this.forgottenEnd = this.e[k];
    this.lo = i;
    if (this.lo === this.n) this.lo = this.n = 0;
  }

  /** Index of the last live edit starting at or before p, or -1. */
  private lastStartingAtOrBefore(p: number): number {
    const s = this.s;
    let hi = this.n - 1;
    if (hi < this.lo || s[this.lo] > p) return -1;
    // most lookups are at the end of the stream
    if (s[hi] <= p) return hi;
    let lo = this.lo;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (s[mid] <= p) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private grow(): void {
    // drop the forgotten part first; double only when the live edits fill the arrays
    const live = this.n - this.lo;
    const size = live * 2 > this.s.length ? this.s.length * 2 : this.s.length;
    const move = (a: Float64Array): Float64Array<ArrayBuffer> => {
      const b = new Float64Array(size);
      b.set(a.subarray(this.lo, this.n));
      return b;
    };
    this.s = move(this.s);
    this.e = move(this.e);
    this.o = move(this.o);
    this.lo = 0;
    this.n = live;
  }
}
