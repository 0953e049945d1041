/**
 * The spans a TCP direction has masked, in stream offsets: what the
 * segments holding those bytes get (held ones when released, retransmitted
 * ones later). Kept sorted by start; a span that continues the last one of
 * its target is merged into it (a password typed a byte at a time is one
 * span). At most `max` spans are kept but for those still to be written
 * (`keepFrom`): the oldest go first, and `forgotten` says up to where the
 * record is no longer complete.
 */
/** How many of the latest spans add() looks through for the target's own to continue (targets' spans interleave). */
const MERGE_BACK = 8;

/** The empty list every SpanList starts with, shared: most directions never mask anything. */
const NONE: number[] = [];

export class SpanList {
  /** start, end, target, forced: four numbers a span, from `head`. */
  private d: number[] = NONE;
  private head = 0;
  /** The longest span kept: how far back a span may reach into a range. */
  private longest = 0;
  /** Spans that ended at or before this offset may have been dropped. */
  forgotten = -Infinity;
  /** Where the direction's held packets start (the lowest offset; Infinity: none held): spans ending after it are kept. */
  keepFrom = Infinity;

  constructor(private readonly max: number) {}

  get size(): number {
    return (this.d.length - this.head) / 4;
  }

  add(start: number, end: number, target: number, forced: boolean): void {
    if (end <= start) return;
    if (this.d === NONE) this.d = [];
    const d = this.d;
    const f = forced ? 1 : 0;
    // the target's latest span among the last few: other targets' spans may lie between (after a gap every
    // target's carry masks each segment, a span each: a card typed a byte a segment made three spans a byte, and
    // the cap dropped those of the packets still held)
    const stop = Math.max(this.head, d.length - 4 * MERGE_BACK);
    let i = d.length - 4;
    while (i >= stop && d[i + 2] !== target) i -= 4;
    if (i >= stop && d[i + 3] === f && start >= d[i] && start <= d[i + 1]) {
      if (end > d[i + 1]) d[i + 1] = end;
      if (d[i + 1] - d[i] > this.longest) this.longest = d[i + 1] - d[i];
      return;
    }
    d.push(start, end, target, f);
    if (end - start > this.longest) this.longest = end - start;
    // keep the order by start: a span found late (another target's) moves back to its place
    for (i = d.length - 4; i - 4 >= this.head && d[i - 4] > d[i]; i -= 4)
      for (let k = 0; k < 4; k++) {
        const t = d[i + k];
        d[i + k] = d[i - 4 + k];
        d[i - 4 + k] = t;
      }
    // a span a held packet still needs stays, whatever the cap: its bytes would go out in clear
    while (this.size > this.max && this.d[this.head + 1] <= this.keepFrom) this.dropFirst();
  }

  /**
   * Calls fn for each span that overlaps [from, to), clipped to it, in
   * order of target from the last to the first (so that where spans of
   * two targets overlap, the first target's fill is written last and wins).
   */
  forEach(from: number, to: number, fn: (start: number, end: number, target: number, forced: boolean) => void): void {
    const d = this.d;
    if (d.length === this.head) return;
    // first span that starts at or after `to`, then back as far as the longest span reaches
    let lo = this.head / 4;
    let hi = d.length / 4;
    while (lo < hi) {
      const m = (lo + hi) >>> 1;
      if (d[m * 4] < to) lo = m + 1;
      else hi = m;
    }
    let first = lo;
    while (first > this.head / 4 && d[(first - 1) * 4] + this.longest > from) first--;
    let maxTarget = -1;
    for (let k = first; k < lo; k++) if (d[k * 4 + 2] > maxTarget) maxTarget = d[k * 4 + 2];
    for (let t = maxTarget; t >= 0; t--)
      for (let k = first; k < lo; k++) {
        const j = k * 4;
        if (d[j + 2] !== t || d[j + 1] <= from) continue;
        fn(Math.max(d[j], from), Math.min(d[j + 1], to), t, d[j + 3] === 1);
      }
  }

  /** Whether some span overlaps [from, to). */
  overlaps(from: number, to: number): boolean {
    let found = false;
    this.forEach(from, to, () => (found = true));
    return found;
  }

  /** Drops spans that end at or before `offset` (no segment still to come needs them). */
  prune(offset: number): void {
    const d = this.d;
    while (this.head < d.length && d[this.head + 1] <= offset) this.head += 4;
    this.compact();
  }

  private dropFirst(): void {
    const end = this.d[this.head + 1];
    if (end > this.forgotten) this.forgotten = end;
    this.head += 4;
    this.compact();
  }

  private compact(): void {
    if (this.head === this.d.length) {
      this.d = NONE;
      this.head = 0;
      this.longest = 0;
    } else if (this.head > 256 && this.head * 2 > this.d.length) {
      this.d = this.d.slice(this.head);
      this.head = 0;
    }
  }
}
