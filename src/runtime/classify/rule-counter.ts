import type { Artifact } from '../../artifact/types.js';
import type { PacketView } from '../decode/view.js';
import type { RuleStats } from '../stats/stats.js';
import type { Classifier } from './classifier.js';

/**
 * Per-rule counters: how many packets each rule matched, and how many of
 * those it delivered (a to rule: the packet went to at least one of its
 * groups, not all excluded by drop rules) or excluded (a drop rule: it
 * removed a group some to rule sent the packet to).
 *
 * Rules listed in the leaves are known from the result at no cost; rules of
 * segments whose leaves hold groups only are counted by walking their
 * counting tables, only those whose groups the packet's result sends to or
 * drops from (no rule of another could have matched). What a result (or a
 * result and a table's leaf) means for the counters is worked out once, on
 * first sight, and kept.
 */
export class RuleCounter {
  private readonly perResult: (Entry | undefined)[] = [];
  private readonly perTableLeaf = new Map<number, Entry>();
  /** Per rule: 1 when it has a counter. */
  private readonly counted: Uint8Array;
  private readonly leafCount: number;

  /**
   * Packets counted per result and not yet added to the rules' counters:
   * one increment a packet instead of one per rule it matched; settle()
   * adds them (Pipeline.collect() does, before anything reads the counters).
   */
  private pending = new Float64Array(64);
  /** The results with pending packets, each listed once (pending > 0). */
  private pendingResults = new Int32Array(64);
  private pendingCount = 0;

  constructor(
    private readonly artifact: Artifact,
    private readonly classifier: Classifier,
  ) {
    const g = artifact.graph;
    this.counted = new Uint8Array(artifact.rules.length).fill(1);
    // format 2 artifacts before counting tables: ruleLevel false meant no rule counted
    const off = g.ruleLevel ? [] : (g.uncounted ?? artifact.rules.map((_, i) => i));
    for (const r of off) this.counted[r] = 0;
    this.leafCount = g.leaves.length;
    this.seen = new Int32Array(artifact.rules.length);
  }

  /** Counters for the policy's rules, at zero (null for a rule without one); null for an artifact of an earlier version without any. */
  static zeroStats(artifact: Artifact): RuleStats[] | null {
    const g = artifact.graph;
    if (!g.ruleLevel && !g.uncounted) return null;
    const off = new Set(g.uncounted ?? []);
    return artifact.rules.map((r, i) =>
      off.has(i)
        ? { name: r.name, matches: null, ...(r.action === 'to' ? { delivered: null } : { excluded: null }) }
        : { name: r.name, matches: 0, ...(r.action === 'to' ? { delivered: 0 } : { excluded: 0 }) },
    );
  }

  /** Per rule, the packet that last counted it: a rule split into disjuncts may match in several tables at once. */
  private readonly seen: Int32Array;
  private stamp = 0;

  /** Whether counting a packet of `result` reads the packet (walks counting tables): the packet path then makes its view. */
  readsPacket(result: number): boolean {
    return (this.perResult[result] ?? this.entryOf(result)).tables.length > 0;
  }

  /** Counts the packet classified into `result` into the rules' counters; counting tables walk view `p` and frame `d`. */
  count(result: number, p: PacketView, d: Uint8Array, stats: RuleStats[]): void {
    const e = this.perResult[result] ?? this.entryOf(result);
    this.defer(result);
    if (e.tables.length === 0) return;
    const counting = this.artifact.graph.counting!;
    const stamp = ++this.stamp;
    for (let i = 0; i < e.tables.length; i++) {
      const t = e.tables[i];
      this.addLeaf(result, this.classifier.walk(counting[t].root, p, d), stats, stamp);
    }
  }

  /**
   * count() for the packet the generated packet path just classified:
   * `tableLeaf(t)` is the leaf its code for counting table t gives the
   * packet (PacketPath.tableLeaf), from the bytes; no view of the packet.
   */
  countWalked(result: number, tableLeaf: (table: number) => number, stats: RuleStats[]): void {
    const e = this.perResult[result] ?? this.entryOf(result);
    this.defer(result);
    const tables = e.tables;
    if (tables.length === 0) return;
    const stamp = ++this.stamp;
    for (let i = 0; i < tables.length; i++) this.addLeaf(result, tableLeaf(tables[i]), stats, stamp);
  }

  /**
   * count() of `times` packets of `result`, which reads no packet
   * (readsPacket false): what a chunk loop counted per result.
   */
  countMany(result: number, times: number, stats: RuleStats[]): void {
    const { matched, delivered, excluded } = this.perResult[result] ?? this.entryOf(result);
    for (let i = 0; i < matched.length; i++) (stats[matched[i]].matches as number) += times;
    for (let i = 0; i < delivered.length; i++) (stats[delivered[i]].delivered as number) += times;
    for (let i = 0; i < excluded.length; i++) (stats[excluded[i]].excluded as number) += times;
  }

  /** One more packet of `result` for the rules its entry lists (settle() adds them). */
  private defer(result: number): void {
    if (result >= this.pending.length) this.grow(result);
    if (this.pending[result]++ === 0) this.pendingResults[this.pendingCount++] = result;
  }

  private grow(result: number): void {
    const n = Math.max(result + 1, this.pending.length * 2);
    const pending = new Float64Array(n);
    pending.set(this.pending);
    const list = new Int32Array(n);
    list.set(this.pendingResults);
    this.pending = pending;
    this.pendingResults = list;
  }

  /** Adds the packets counted since the last call to the rules' counters in `stats`: exact after it. */
  settle(stats: RuleStats[]): void {
    const pending = this.pending;
    for (let i = 0; i < this.pendingCount; i++) {
      const r = this.pendingResults[i];
      this.countMany(r, pending[r], stats);
      pending[r] = 0;
    }
    this.pendingCount = 0;
  }

  /** Counts what a counting table's leaf says of a packet of `result`. */
  private addLeaf(result: number, leaf: number, stats: RuleStats[], stamp: number): void {
    const key = result * this.leafCount + leaf;
    let te = this.perTableLeaf.get(key);
    if (!te) {
      te = this.entryFor(result, this.artifact.graph.leaves[leaf].rules, new Int32Array(0));
      this.perTableLeaf.set(key, te);
    }
    addOnce(te, stats, this.seen, stamp);
  }

  private entryOf(result: number): Entry {
    const res = this.classifier.results[result];
    const counting = this.artifact.graph.counting ?? [];
    const touched = new Set([...res.to, ...res.drop]);
    const tables: number[] = [];
    counting.forEach((t, i) => {
      if (t.groups.some((g) => touched.has(g))) tables.push(i);
    });
    return (this.perResult[result] = this.entryFor(result, res.rules, Int32Array.from(tables)));
  }

  /** What matching `rules` means for a packet of this result. */
  private entryFor(result: number, rules: readonly number[], tables: Int32Array): Entry {
    const res = this.classifier.results[result];
    const groups = new Set(res.groups);
    const to = new Set(res.to);
    const matched: number[] = [];
    const delivered: number[] = [];
    const excluded: number[] = [];
    for (const r of rules) {
      if (!this.counted[r]) continue;
      matched.push(r);
      const rule = this.artifact.rules[r];
      if (rule.action === 'to') {
        if (rule.groups.some((g) => groups.has(g))) delivered.push(r);
      } else if (rule.groups.some((g) => to.has(g))) excluded.push(r);
    }
    return {
      matched: Int32Array.from(matched),
      delivered: Int32Array.from(delivered),
      excluded: Int32Array.from(excluded),
      tables,
    };
  }
}

interface Entry {
  matched: Int32Array;
  delivered: Int32Array;
  excluded: Int32Array;
  tables: Int32Array;
}

/** add(), each rule at most once per packet (stamp). */
function addOnce(e: Entry, stats: RuleStats[], seen: Int32Array, stamp: number): void {
  const { matched, delivered, excluded } = e;
  for (let i = 0; i < matched.length; i++) {
    const r = matched[i];
    if (seen[r] === stamp) continue;
    // marked as counted only after its other counters, which check the same mark
    (stats[r].matches as number)++;
  }
  for (let i = 0; i < delivered.length; i++)
    if (seen[delivered[i]] !== stamp) (stats[delivered[i]].delivered as number)++;
  for (let i = 0; i < excluded.length; i++) if (seen[excluded[i]] !== stamp) (stats[excluded[i]].excluded as number)++;
  for (let i = 0; i < matched.length; i++) seen[matched[i]] = stamp;
}
