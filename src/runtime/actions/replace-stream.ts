import type { OnMatch, Pattern, PatternStream } from '../../patterns/pattern.js';
import { EditList } from './replace-edits.js';

/** One `replace` of a group: its compiled pattern and its text's bytes. */
export interface Substitution {
  readonly pattern: Pattern;
  readonly text: Uint8Array;
}

/**
 * What the rewriting streams of one group share on a thread: the
 * substitutions in the order written, scratch buffers per substitution, and
 * the callback the patterns report matches through (no closure per stream).
 */
export class RewriteShared {
  readonly scratch: Uint8Array[];
  private target: EditList | undefined;
  readonly onMatch: OnMatch = (s, e) => this.target!.add(s, e);

  constructor(readonly subs: readonly Substitution[]) {
    this.scratch = subs.map(() => new Uint8Array(4096));
  }

  /** Searches with the pattern of `edits` (a stage of some stream), recording what it finds there. */
  into(edits: EditList): OnMatch {
    this.target = edits;
    return this.onMatch;
  }

  /** Scratch buffer `k`, at least `size` bytes (contents not kept when it grows). */
  buffer(k: number, size: number): Uint8Array {
    let b = this.scratch[k];
    if (b.length < size) b = this.scratch[k] = new Uint8Array(Math.max(size, b.length * 2));
    return b;
  }
}

/**
 * One substitution applied to a stream: its search, the edits it made, and
 * (for all but the last substitution) the input bytes not yet decided, which
 * the next substitution reads once they are. Offsets are in this stage's
 * input, which for the second substitution is the first one's output.
 */
class Stage {
  stream: PatternStream;
  readonly edits: EditList;
  /** Offset of the next input byte. */
  fed: number;
  /** The search's holdFrom(): input before it is decided. */
  hold: number;
  /** Undecided input, from offset `pendingFrom` (stages with a next one only). */
  pending: Uint8Array | undefined;
  pendingFrom: number;
  pendingLen = 0;

  constructor(
    readonly sub: Substitution,
    offset: number,
    atStart: boolean,
    last: boolean,
  ) {
    this.stream = sub.pattern.stream(offset, atStart);
    this.edits = new EditList(sub.text);
    this.fed = this.hold = this.pendingFrom = offset;
    this.pending = last ? undefined : new Uint8Array(256);
  }

  restart(offset: number): void {
    this.stream = this.sub.pattern.stream(offset, false);
    this.fed = this.hold = this.pendingFrom = offset;
    this.pendingLen = 0;
  }

  keep(bytes: Uint8Array, from: number, to: number): void {
    const n = to - from;
    let p = this.pending!;
    if (this.pendingLen + n > p.length) {
      const q = new Uint8Array(Math.max(this.pendingLen + n, p.length * 2));
      q.set(p.subarray(0, this.pendingLen));
      p = this.pending = q;
    }
    p.set(bytes.subarray(from, to), this.pendingLen);
    this.pendingLen += n;
  }
}

/**
 * A byte stream (one TCP direction) rewritten by a group's substitutions in
 * the order written, each over the output of the one before, as chained
 * JavaScript `replace(/re/g, text)` calls would. Matches may span segments:
 * the searches carry their state from one write to the next (patterns'
 * streaming matcher), and input is decided up to where a match still under
 * way may start (`decidedUpTo`); the caller holds segments until then.
 */
export class RewriteStream {
  private readonly stages: Stage[];
  private ended = false;
  /** First offset the stream saw: data before it was never searched. */
  readonly start: number;

  constructor(
    private readonly shared: RewriteShared,
    offset: number,
    atStart: boolean,
  ) {
    const subs = shared.subs;
    this.start = offset;
    this.stages = subs.map((s, k) => new Stage(s, offset, atStart, k === subs.length - 1));
    // a later stage's offsets are the earlier ones' output offsets: equal here, nothing edited yet
  }

  /** Offset of the next byte the stream expects. */
  get fed(): number {
    return this.stages[0].fed;
  }

  /** Whether a search is under way (some input is not decided yet). */
  get undecided(): boolean {
    for (const st of this.stages) if (st.hold < st.fed) return true;
    return false;
  }

  /** Bytes held undecided, over every stage. */
  get heldBytes(): number {
    let n = 0;
    for (const st of this.stages) n += st.fed - st.hold;
    return n;
  }

  /** Appends bytes[from, to), which start at offset `fed`. */
  write(bytes: Uint8Array, from: number, to: number): void {
    if (to <= from) return;
    if (this.ended) {
      // data after the end (a FIN the capture saw early, or one retransmitted into new data): search on
      this.ended = false;
      for (const st of this.stages) st.restart(st.fed);
    }
    this.feed(0, bytes, from, to);
  }

  /** The stream ended (FIN, RST, end of input): $ matches here and everything is decided. */
  end(): void {
    if (this.ended) return;
    this.decideAll(true);
    this.ended = true;
  }

  /**
   * The bytes up to `offset` will never be seen (lost to the capture, or
   * coming later out of order): what is under way is decided as at an end,
   * and the searches start again at `offset`.
   */
  skipTo(offset: number): void {
    if (offset <= this.fed) return;
    this.decideAll(false);
    let x = offset;
    for (const st of this.stages) {
      st.restart(x);
      x = st.edits.map(x);
    }
  }

  /**
   * Decides everything now, as at an end of stream (the hold bound or time
   * is up): a match under way ends here ($ and \b see an end); the searches
   * start again after it, so one that would have grown is cut in two.
   */
  force(): void {
    this.decideAll(false);
  }

  private decideAll(ended: boolean): void {
    const stages = this.stages;
    for (let k = 0; k < stages.length; k++) {
      const st = stages[k];
      if (st.hold < st.fed || ended) {
        st.stream.end(this.shared.into(st.edits));
        st.hold = st.fed;
        if (k < stages.length - 1) this.emit(k);
        if (!ended) st.restart(st.fed);
      }
    }
  }

  /** Whether the output of input offsets up to `x` is decided (so map(x) and synth up to x are final). */
  decidedUpTo(x: number): boolean {
    for (const st of this.stages) {
      if (x > st.hold && st.hold < st.fed) return false;
      x = st.edits.map(x);
    }
    return true;
  }

  /** Where input offset x lands in the output of the last substitution. */
  map(x: number): number {
    for (const st of this.stages) x = st.edits.map(x);
    return x;
  }

  /** Whether no substitution ever changed a length: offsets map to themselves. */
  get identity(): boolean {
    for (const st of this.stages) if (st.edits.resized) return false;
    return true;
  }

  /** Output length minus input length so far. */
  get shift(): number {
    const end = this.fed;
    return this.map(end) - end;
  }

  /** Whether the rewriting of [a, b) was forgotten (edits dropped long ago): it cannot be redone as it was. */
  forgotten(a: number, b: number): boolean {
    for (const st of this.stages) {
      if (a < st.edits.forgottenEnd) return true;
      a = st.edits.map(a);
      b = st.edits.map(b);
    }
    return false;
  }

  /** Whether some substitution changes the bytes of [a, b). */
  touches(a: number, b: number): boolean {
    for (const st of this.stages) {
      if (st.edits.touches(a, b)) return true;
      a = st.edits.map(a);
      b = st.edits.map(b);
    }
    return false;
  }

  /**
   * The output bytes of input range [a, b) (bytes[from, from + b - a)):
   * each substitution's edits laid over the previous one's output. Returns
   * the buffer holding them at [0, length) and the length.
   */
  synth(bytes: Uint8Array, from: number, a: number, b: number): { buf: Uint8Array; length: number } {
    let input = bytes;
    let at = from;
    let len = b - a;
    this.stages.forEach((st, k) => {
      const outLen = st.edits.map(b) - st.edits.map(a);
      const out = this.shared.buffer(k, outLen);
      len = st.edits.synth(input, at, a, b, out, 0);
      a = st.edits.map(a);
      b = a + len;
      input = out;
      at = 0;
    });
    return { buf: input, length: len };
  }

  /** Forgets edits the receiver has acknowledged (input offset `acked`), keeping the newest `keep`; at most `max`. */
  forget(acked: number, keep: number, max: number): void {
    // most streams hold a few edits: nothing to forget, and no mapping to do for it
    if (this.edits <= keep) return;
    let x = acked;
    for (const st of this.stages) {
      const next = st.edits.map(x);
      st.edits.forget(x, keep);
      st.edits.cap(max);
      x = next;
    }
  }

  /** Edits kept over all stages. */
  get edits(): number {
    let n = 0;
    for (const st of this.stages) n += st.edits.size;
    return n;
  }

  private feed(k: number, bytes: Uint8Array, from: number, to: number): void {
    const st = this.stages[k];
    const last = k === this.stages.length - 1;
    if (!last) st.keep(bytes, from, to);
    st.stream.write(bytes, this.shared.into(st.edits), from, to);
    st.fed += to - from;
    st.hold = st.stream.holdFrom();
    if (!last) this.emit(k);
  }

  /** Hands the decided output of stage k (input [pendingFrom, hold)) to stage k + 1. */
  private emit(k: number): void {
    const st = this.stages[k];
    const upTo = st.hold;
    if (upTo <= st.pendingFrom) return;
    const n = upTo - st.pendingFrom;
    const outLen = st.edits.map(upTo) - st.edits.map(st.pendingFrom);
    const out = this.shared.buffer(k, outLen);
    const w = st.edits.synth(st.pending!, 0, st.pendingFrom, upTo, out, 0);
    st.pending!.copyWithin(0, n, st.pendingLen);
    st.pendingLen -= n;
    st.pendingFrom = upTo;
    this.feed(k + 1, out, 0, w);
  }
}
