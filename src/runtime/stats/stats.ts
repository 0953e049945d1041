import { linkTypeName } from '../../fields/link-type-names.js';
import { addSparse, quantile } from './delay-histogram.js';

/**
 * Run statistics. Every packet read is accounted for: each copy a group
 * receives is either delivered to one of its tools or dropped with a reason,
 * so for every group `in === delivered + sum(dropped)`; a packet no group
 * receives is counted as unmatched.
 *
 * Drop reasons of live runs: tool-down (the tool's link was down and its
 * group had no other tool up, or the frame was on its way when the link
 * went), output-full (tmesc could not keep up: a ring or a tool's queue was
 * full), send-error (the interface refused the frame).
 */
export type DropReason =
  'duplicate' | 'link-type-mismatch' | 'replaced-away' | 'shaping' | 'tool-down' | 'output-full' | 'send-error';

export interface TapStats {
  name: string;
  files: string[];
  packets: number;
  bytes: number;
  malformed: number;
  /** Records cut short at the end of a file (not delivered: nothing complete to deliver). */
  truncatedRecords: number;
  captureWarnings: number;
}

export interface ToolStats {
  name: string;
  output: string;
  packets: number;
  bytes: number;
  /** Packets the output could not hold (a pcap file holds one link type), and their link types. */
  refused: number;
  refusedLinkTypes: number[];
  /**
   * Packets written here that came with comments (a pcapng input's
   * opt_comment) this file could not hold: a pcap file has no place for
   * them. A tap's own `mark comment` is not counted (pcapng outputs only,
   * by design). Absent or 0: none (0 where workers counted some that a
   * duplicate or a refused run took back).
   */
  commentsLost?: number;
  /** The tool's shaper, in a group with `shape` (runtime/actions/shape.ts). */
  shape?: ShapeStats;
}

/**
 * What one tool's shaper did: every packet it saw left at once, waited, or
 * was dropped because the buffer was full; the delay it added to each packet
 * it let go (0 for those that left at once), in nanoseconds.
 */
export interface ShapeStats {
  /** The bucket (the group's burst), the buffer where packets wait, and the rate, as the run used them. */
  burstBytes: number;
  bufferBytes: number;
  rateBps: number;
  passed: number;
  delayed: number;
  /** Dropped: the buffer was full (also in the group's `dropped.shaping`). */
  dropped: number;
  /** Longer than the bucket: sent once it was full, above the rate for that packet (in passed). */
  oversize: number;
  /** The largest number of bytes that waited at once. */
  maxQueuedBytes: number;
  delayNs: { mean: number; p50: number; p90: number; p99: number; max: number; total: number };
  /** The delays, as [lowest delay of the bucket in ns, packets]: 16 buckets per power of two. */
  histogram: [number, number][];
}

/** The summary figures of a shaper's delays, from its histogram, count, total and maximum. */
export function delaySummary(
  histogram: readonly (readonly [number, number])[],
  total: number,
  max: number,
): ShapeStats['delayNs'] {
  const n = histogram.reduce((s, [, c]) => s + c, 0);
  return {
    mean: n ? Math.round(total / n) : 0,
    p50: quantile(histogram, 0.5, max),
    p90: quantile(histogram, 0.9, max),
    p99: quantile(histogram, 0.99, max),
    max,
    total,
  };
}

export interface GroupStats {
  name: string;
  in: number;
  delivered: number;
  dropped: Record<DropReason, number>;
  /** Live runs: packets that went to another tool of the group because theirs was down. */
  failover: number;
  /**
   * De-duplication entries dropped before their window ended because the
   * table was full (DEDUP_MAX_ENTRIES): a copy of one of those packets
   * arriving later would not be recognised.
   */
  dedupEvicted: number;
  tools: ToolStats[];
  /**
   * Per action step of the group (strip, truncate, ...), how many replicas
   * went each way, by reason (runtime/actions/: each module's reasons).
   * Empty for groups whose steps change nothing.
   */
  actions: Record<string, Record<string, number>>;
  /**
   * Per action step, quantities it adds up besides replicas (mask: bytes
   * masked, sessions tracked; the modules' `totals`). Absent in statistics
   * written before steps had any.
   */
  actionTotals?: Record<string, Record<string, number>>;
}

/**
 * A rule's counters: packets it matched, and of those, for a to rule, how many
 * it delivered (they went to at least one of its groups: not all excluded by
 * drop rules), for a drop rule, how many it excluded (it removed a group some
 * to rule sent them to). Null for a rule the compiler could not give a
 * counter within its budget (docs/compiler.md).
 */
export interface RuleStats {
  name: string;
  matches: number | null;
  delivered?: number | null;
  excluded?: number | null;
}

export interface RunStats {
  policy: string;
  seconds: number;
  packetsRead: number;
  unmatched: number;
  taps: TapStats[];
  /** Per-rule counters; null for an artifact of an earlier version compiled with group leaves, which has none. */
  rules: RuleStats[] | null;
  groups: GroupStats[];
  /** Packets a tap mark could not be applied to (not Ethernet); delivered unmarked. */
  unmarked: number;
}

export function emptyDrops(): Record<DropReason, number> {
  return {
    duplicate: 0,
    'link-type-mismatch': 0,
    'replaced-away': 0,
    shaping: 0,
    'tool-down': 0,
    'output-full': 0,
    'send-error': 0,
  };
}

/** Adds the counters of `b` (a worker's share, say) into `a`; both shaped after the same policy. */
export function addStats(a: RunStats, b: RunStats): void {
  a.packetsRead += b.packetsRead;
  a.unmatched += b.unmatched;
  a.unmarked += b.unmarked;
  b.taps.forEach((t, i) => {
    const x = a.taps[i];
    x.packets += t.packets;
    x.bytes += t.bytes;
    x.malformed += t.malformed;
    x.truncatedRecords += t.truncatedRecords;
    x.captureWarnings += t.captureWarnings;
  });
  if (a.rules && b.rules)
    b.rules.forEach((r, i) => {
      const x = a.rules![i];
      if (x.matches !== null && r.matches !== null) x.matches += r.matches;
      if (typeof x.delivered === 'number' && typeof r.delivered === 'number') x.delivered += r.delivered;
      if (typeof x.excluded === 'number' && typeof r.excluded === 'number') x.excluded += r.excluded;
    });
  b.groups.forEach((g, gi) => {
    const x = a.groups[gi];
    x.in += g.in;
    x.delivered += g.delivered;
    x.dedupEvicted += g.dedupEvicted;
    for (const k of Object.keys(g.dropped) as DropReason[]) x.dropped[k] += g.dropped[k];
    x.failover += g.failover;
    for (const [step, counts] of Object.entries(g.actions)) {
      const y = (x.actions[step] ??= {});
      for (const [reason, n] of Object.entries(counts)) y[reason] = (y[reason] ?? 0) + n;
    }
    for (const [step, counts] of Object.entries(g.actionTotals ?? {})) {
      const y = ((x.actionTotals ??= {})[step] ??= {});
      for (const [k, n] of Object.entries(counts)) y[k] = (y[k] ?? 0) + n;
    }
    g.tools.forEach((t, ti) => {
      const y = x.tools[ti];
      y.packets += t.packets;
      y.bytes += t.bytes;
      y.refused += t.refused;
      for (const lt of t.refusedLinkTypes) if (!y.refusedLinkTypes.includes(lt)) y.refusedLinkTypes.push(lt);
      if (t.commentsLost) {
        // a parallel run takes refused and duplicate packets back as it commits, maybe before their batch's
        // counters arrive: a count that comes back to 0 leaves no key, as on one thread
        const n = (y.commentsLost ?? 0) + t.commentsLost;
        if (n === 0) delete y.commentsLost;
        else y.commentsLost = n;
      }
      if (t.shape) y.shape = y.shape ? addShape(y.shape, t.shape) : structuredClone(t.shape);
    });
  });
}

function addShape(a: ShapeStats, b: ShapeStats): ShapeStats {
  const histogram = addSparse(a.histogram, b.histogram);
  const max = Math.max(a.delayNs.max, b.delayNs.max);
  return {
    ...a,
    passed: a.passed + b.passed,
    delayed: a.delayed + b.delayed,
    dropped: a.dropped + b.dropped,
    oversize: a.oversize + b.oversize,
    maxQueuedBytes: Math.max(a.maxQueuedBytes, b.maxQueuedBytes),
    delayNs: delaySummary(histogram, a.delayNs.total + b.delayNs.total, max),
    histogram,
  };
}

/** 1234567 -> "1,234,567"; toLocaleString would load ICU's data, ~15 ms of start-up. */
function thousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** "1297 matches, 0 delivered (every packet excluded by drop rules)". */
function ruleLine(r: RuleStats): string {
  const m = r.matches ?? 0;
  if (typeof r.delivered === 'number')
    return `${m} matches, ${r.delivered} delivered${m > 0 && r.delivered === 0 ? ' (drop rules excluded every packet)' : ''}`;
  if (typeof r.excluded === 'number') return `${m} matches, ${r.excluded} excluded`;
  return `${m} matches`;
}

/** 1500 -> "1.5 us": delays for people. */
export function duration(ns: number): string {
  if (ns < 1000) return `${ns} ns`;
  if (ns < 1e6) return `${+(ns / 1e3).toPrecision(3)} us`;
  if (ns < 1e9) return `${+(ns / 1e6).toPrecision(3)} ms`;
  return `${+(ns / 1e9).toPrecision(3)} s`;
}

/** "shaped: 900 at once, 100 delayed (delay mean 12 us, p50 0 ns, p99 1.2 ms, max 2 ms), 3 dropped (buffer full)". */
function shapeLine(s: ShapeStats): string {
  const d = s.delayNs;
  const parts = [
    `${s.passed} at once`,
    `${s.delayed} delayed (delay mean ${duration(d.mean)}, p50 ${duration(d.p50)}, p90 ${duration(d.p90)}, p99 ${duration(d.p99)}, max ${duration(d.max)})`,
    `${s.dropped} dropped (buffer of ${thousands(s.bufferBytes)} bytes full)`,
  ];
  if (s.oversize) parts.push(`${s.oversize} longer than the burst sent above the rate`);
  return `shaped: ${parts.join(', ')}`;
}

export function renderStatsText(s: RunStats): string {
  const out: string[] = [];
  const rate = s.seconds > 0 ? ` (${thousands(Math.round(s.packetsRead / s.seconds))} packets/s)` : '';
  out.push(`policy ${s.policy}: ${s.packetsRead} packets read in ${s.seconds.toFixed(3)} s${rate}`);
  for (const t of s.taps) {
    const extra = [
      t.malformed ? `${t.malformed} malformed (classified on what decoded)` : '',
      t.truncatedRecords ? `${t.truncatedRecords} truncated record at end of file` : '',
      t.captureWarnings ? `${t.captureWarnings} capture warnings` : '',
    ]
      .filter(Boolean)
      .join(', ');
    out.push(`  tap ${t.name}: ${t.packets} packets, ${t.bytes} bytes${extra ? `; ${extra}` : ''}`);
  }
  out.push(`  unmatched (no group): ${s.unmatched}`);
  for (const g of s.groups) {
    const drops = Object.entries(g.dropped)
      .filter(([, n]) => n > 0)
      .map(([r, n]) => `${n} ${r}`);
    out.push(
      `  group ${g.name}: ${g.in} in, ${g.delivered} delivered, ${drops.length ? drops.join(', ') : '0'} dropped`,
    );
    if (g.dedupEvicted)
      out.push(
        `    warning: ${g.dedupEvicted} de-duplication entries evicted before their window ended (table full): later copies of those packets were not recognised`,
      );
    for (const t of g.tools) {
      out.push(`    tool ${t.name}: ${t.packets} packets, ${t.bytes} bytes -> ${t.output}`);
      if (t.shape) out.push(`      ${shapeLine(t.shape)}`);
      if (t.refused)
        out.push(
          `      warning: ${t.refused} packets not written: a pcap file holds one link type, and these were ${t.refusedLinkTypes.map(linkTypeName).join(', ')}; output pcapng keeps every link type`,
        );
      if (t.commentsLost)
        out.push(
          `      warning: ${t.commentsLost} packets written without the pcapng comments they came with: a pcap file cannot hold comments; output pcapng keeps them`,
        );
    }
    for (const [step, counts] of Object.entries(g.actions)) {
      const parts = Object.entries(counts)
        .filter(([, n]) => n > 0)
        .map(([reason, n]) => `${n} ${reason.replace(/-/g, ' ')}`);
      if (parts.length) out.push(`    ${step}: ${parts.join(', ')}`);
      const totals = Object.entries(g.actionTotals?.[step] ?? {})
        .filter(([, n]) => n > 0)
        .map(([k, n]) => `${n} ${k.replace(/-/g, ' ')}`);
      if (totals.length) out.push(`    ${step} totals: ${totals.join(', ')}`);
    }
  }
  if (s.rules) {
    const off = s.rules.filter((r) => r.matches === null).length;
    if (off)
      out.push(
        `  rules: per-rule counters are off for ${off} of ${s.rules.length} rules (they overlap in more ways than the compiler's counting budget; docs/compiler.md)`,
      );
    for (const r of s.rules) if (r.matches !== null) out.push(`  rule ${r.name}: ${ruleLine(r)}`);
  } else
    out.push('  rules: per-rule counters are off for this policy (compiled by an earlier tmesc with group leaves)');
  if (s.unmarked)
    out.push(`  ${s.unmarked} packets could not carry their tap mark (not Ethernet) and went out unmarked`);
  return out.join('\n') + '\n';
}
