import type { Policy } from '../policy/policy.js';
import { byShape, type FilterBuilder, uniteAll } from './build.js';
import { BudgetExceeded, type Idd, union } from './idd.js';
import { CompileBudgetError, type CompileBudgets } from './limits.js';

/**
 * Shapes the match graph for scale.
 *
 * One diagram whose leaves tell every combination of groups grows with the
 * product of the rules' regions: groups with independent filters (one on
 * ports, one on hosts, one on VLANs...) multiply, and 39 such groups made
 * billions of cells. So the groups are partitioned into segments, each a
 * diagram over a subset of the groups with every `to` and `drop` rule
 * touching them, under a node budget: a packet's groups are the union of its
 * leaves in every segment, as in EffiCuts, which splits rules into subsets so
 * that none is replicated across a tree. Groups are ordered by the fields
 * their rules test, and united pairwise in a balanced tree in which a pair
 * whose union would exceed the budget is not formed: the larger piece becomes
 * a segment and the smaller goes on. Small policies stay one segment.
 *
 * A segment's leaves list the rules that matched too (exact per-rule
 * counters at no cost per packet) when that fits a smaller budget. Rules over
 * several fields multiply when listed (`port N` is `src port N or dst port
 * N`: 1,000 such rules make a million rule sets), so a segment past that
 * budget keeps group leaves, and its rules are counted by counting tables:
 * each rule's condition split into its disjuncts (`dst port N`, `src port
 * N`), disjuncts that test the same fields in one rule-leaf diagram, as
 * tuple space search keeps one table per field mask. Disjuncts over one field
 * rarely overlap, so such tables stay small. A table is walked only for a
 * packet whose leaf in the segment sends to or drops one of its groups.
 */
export interface SegmentPlan {
  segments: { groups: number[]; rules: number; ruleLevel: boolean; tables: number }[];
  /** Rules without counters: their segment's counting tables did not fit their budget. */
  uncounted: number[];
}

export interface BuiltSegments {
  /** Per segment, its root; leaves are sets of g (to group g), G+g (drop from g), 2G+r (rule r). */
  roots: number[];
  counting: { segment: number; root: number; groups: number[] }[];
  plan: SegmentPlan;
  conds: number[];
  /** Per group: the union of the conditions of its to rules, and of its drop rules. */
  to: number[];
  drop: number[];
}

interface Piece {
  root: number;
  /** Groups (segments) or rules (counting tables) it covers, in order. */
  members: number[];
  size: number;
}

/** Most disjuncts a rule is split into for counting; a rule with more is one disjunct. */
const MAX_DISJUNCTS = 32;

export function buildSegments(policy: Policy, b: FilterBuilder, budgets: CompileBudgets): BuiltSegments {
  const idd = b.idd;
  let stage = 'the policy';
  let blamed: number[] = [];
  const at = (what: string, rules: number[]) => {
    stage = what;
    blamed = rules;
  };
  try {
    return idd.withBudget(budgets.total, () => build(policy, b, budgets, at), 'total');
  } catch (e) {
    if (e instanceof BudgetExceeded && (e.owner === 'total' || e.owner === 'rule' || e.owner === ''))
      throw new CompileBudgetError(e.kind, e.limit, stage, blamed);
    throw e;
  }
}

function build(
  policy: Policy,
  b: FilterBuilder,
  budgets: CompileBudgets,
  at: (what: string, rules: number[]) => void,
): BuiltSegments {
  const idd = b.idd;
  const EMPTY = b.FALSE;
  const G = policy.groups.length;
  const rules = policy.rules;
  const groupName = (g: number) => `'${policy.groups[g].name}'`;
  const names = (list: string[]) =>
    list.length > 6 ? `${list.slice(0, 5).join(', ')} and ${list.length - 5} more` : list.join(', ');

  // 1. each rule's condition, and each group's: what sends to it, what drops from it
  const conds: number[] = [];
  for (let r = 0; r < rules.length; r++) {
    at(`rule '${rules[r].name}'`, [r]);
    conds.push(idd.withBudget(budgets.rule, () => b.rule(policy, r), 'rule'));
  }
  const toRules: number[][] = policy.groups.map(() => []);
  const dropRules: number[][] = policy.groups.map(() => []);
  for (const r of rules) for (const g of r.groups) (r.action === 'to' ? toRules : dropRules)[g].push(r.index);
  const rulesOf = (groups: number[]) => [...new Set(groups.flatMap((g) => [...toRules[g], ...dropRules[g]]))];
  // each group's diagram: g where a rule sends to it, G+g where one drops from it
  const to: number[] = [];
  const drop: number[] = [];
  const diagrams: number[] = [];
  for (let g = 0; g < G; g++) {
    at(`group ${groupName(g)}`, [...toRules[g], ...dropRules[g]]);
    to.push(b.any(toRules[g].map((r) => conds[r])));
    drop.push(b.any(dropRules[g].map((r) => conds[r])));
    const sends = idd.mapLeaves(undefined, to[g], (x) => (x.length ? [g] : []));
    const drops = idd.mapLeaves(undefined, drop[g], (x) => (x.length ? [G + g] : []));
    diagrams.push(drops === EMPTY ? sends : uniteAll(idd, [sends, drops], EMPTY));
  }
  idd.forget('or');

  // 2. the groups, ordered by the fields they test: one segment when their union fits (most
  // policies); otherwise united pairwise under the segment budget
  const ordered = byShape(
    idd,
    policy.groups.map((_, g) => g).filter((g) => diagrams[g] !== EMPTY),
    (g) => diagrams[g],
  ).flat();
  at(`the segment of groups ${names(ordered.map(groupName))}`, rulesOf(ordered));
  const sizes = ordered.map((g) => sizeOf(idd, diagrams[g]));
  const whole =
    ordered.length > 1 && sizes.reduce((x, y) => x + y, 0) <= budgets.segment
      ? attempt(idd, budgets.segment, 'segment', () =>
          uniteAll(
            idd,
            ordered.map((g) => diagrams[g]),
            EMPTY,
          ),
        )
      : undefined;
  let segments: Piece[] = whole
    ? [{ root: whole.root, members: ordered, size: whole.size }]
    : pairUp(
        idd,
        ordered.map((g, i): Piece => ({ root: diagrams[g], members: [g], size: sizes[i] })),
        budgets.segment,
        'segment',
        (x, y) => {
          const gs = [...x.members, ...y.members];
          at(`the segment of groups ${names(gs.map(groupName))}`, rulesOf(gs));
        },
      );
  segments = segments.filter((seg) => seg.root !== EMPTY);
  if (segments.length === 0) segments.push({ root: EMPTY, members: [], size: 1 });
  const segmentOf = new Int32Array(G).fill(-1);
  segments.forEach((s, i) => s.members.forEach((g) => (segmentOf[g] = i)));
  // a rule is counted in one segment, its home: the first that holds one of its groups
  const home = rules.map((r) => {
    let h = -1;
    for (const g of r.groups) if (segmentOf[g] >= 0 && (h < 0 || segmentOf[g] < h)) h = segmentOf[g];
    return h;
  });
  // 3. per segment, rule leaves when they fit; else group leaves and counting tables for its rules
  const plan: SegmentPlan = { segments: [], uncounted: [] };
  const roots: number[] = [];
  const counting: BuiltSegments['counting'] = [];
  let countingLeft = true;
  const countingStart = idd.size;
  const countingNodesLeft = () => budgets.countingTotal.nodes - (idd.size - countingStart);
  const pendingCounts: { segment: number; rules: number[] }[] = [];
  segments.forEach((seg, s) => {
    const inSeg = new Set(seg.members);
    const touching = rulesOf(seg.members).sort((x, y) => x - y);
    const homeRules = touching.filter((r) => home[r] === s);
    at(`the segment of groups ${names(seg.members.map(groupName))}`, touching);
    const hitOf = (r: number) => {
      const set = rules[r].groups.filter((g) => inSeg.has(g)).map((g) => (rules[r].action === 'to' ? g : G + g));
      if (home[r] === s) set.push(2 * G + r);
      return set.sort((x, y) => x - y);
    };
    // rule leaves refine group leaves, so they never make a smaller diagram
    const ruleRoot =
      seg.size > budgets.ruleLevel ? undefined : ruleLevel(idd, touching, conds, hitOf, budgets.ruleLevel, EMPTY);
    if (ruleRoot !== undefined) {
      roots.push(ruleRoot);
      plan.segments.push({ groups: seg.members, rules: touching.length, ruleLevel: true, tables: 0 });
      return;
    }
    roots.push(seg.root);
    plan.segments.push({ groups: seg.members, rules: touching.length, ruleLevel: false, tables: 0 });
    pendingCounts.push({ segment: s, rules: homeRules.filter((r) => conds[r] !== EMPTY) });
  });
  // 4. counting tables, within a share of the total budget: past it, the rules left go uncounted
  idd.withBudget(
    budgets.countingTotal,
    () => {
      for (const { segment, rules: homeRules } of pendingCounts) {
        if (!countingLeft) {
          plan.uncounted.push(...homeRules);
          continue;
        }
        const inSeg = new Set(segments[segment].members);
        // each rule's disjuncts are copies of its condition with a leaf of its own: when the copies
        // alone exceed what counting may still make, the rules left go uncounted at once
        let copies = 0;
        for (const r of homeRules) copies += idd.countNodes(conds[r]);
        if (copies > countingNodesLeft()) {
          countingLeft = false;
          plan.uncounted.push(...homeRules);
          continue;
        }
        at(
          `the counting tables of the segment of groups ${segments[segment].members.map(groupName).join(', ')}`,
          homeRules,
        );
        try {
          const { tables, uncounted } = countingTables(policy, b, homeRules, conds, G, budgets);
          plan.uncounted.push(...uncounted);
          const kept = tables.slice(0, budgets.countingTables);
          for (const t of tables.slice(budgets.countingTables)) plan.uncounted.push(...t.members);
          for (const t of kept) {
            const groups = new Set<number>();
            for (const r of t.members) for (const g of rules[r].groups) if (inSeg.has(g)) groups.add(g);
            counting.push({ segment, root: t.root, groups: [...groups].sort((x, y) => x - y) });
          }
          plan.segments[segment].tables = kept.length;
        } catch (e) {
          if (!(e instanceof BudgetExceeded && (e.owner === 'counting-all' || e.owner === 'total'))) throw e;
          countingLeft = false;
          plan.uncounted.push(...homeRules);
        }
      }
    },
    'counting-all',
  );
  plan.uncounted = [...new Set(plan.uncounted)].sort((x, y) => x - y);
  return { roots, counting, plan, conds, to, drop };
}

/** What a diagram costs to hold: its intervals (a node's cost grows with them), its leaves and their entries. */
function sizeOf(idd: Idd, root: number): number {
  const m = idd.measure(root);
  return m.intervals + m.leaves + m.entries;
}

/**
 * Unites pieces pairwise, level by level, never forming a union past `limit`
 * (nodes plus leaves): when a pair does not fit, the larger piece is final
 * and the smaller goes on to the next level. Returns the final pieces.
 */
function pairUp(idd: Idd, pieces: Piece[], limit: number, label: string, blame: (x: Piece, y: Piece) => void): Piece[] {
  const done: Piece[] = [];
  let open = pieces;
  while (open.length > 1) {
    const next: Piece[] = [];
    for (let i = 0; i < open.length; i += 2) {
      if (i + 1 === open.length) {
        next.push(open[i]);
        break;
      }
      const x = open[i];
      const y = open[i + 1];
      blame(x, y);
      // pieces over unlike fields multiply, and ones that share little add up: a pair whose sizes
      // alone exceed the limit is not tried (a failed attempt costs up to the limit in work)
      const merged =
        x.size + y.size > limit
          ? undefined
          : attempt(idd, limit, label, () => idd.apply('union', x.root, y.root, union, undefined, true));
      if (merged) next.push({ root: merged.root, members: [...x.members, ...y.members], size: merged.size });
      else {
        done.push(x.size >= y.size ? x : y);
        next.push(x.size >= y.size ? y : x);
      }
    }
    idd.forget('union');
    open = next;
  }
  return [...done, ...open];
}

/** Runs build under a budget of `limit` nodes and leaves: its root and size, or undefined when it does not fit. */
function attempt(
  idd: Idd,
  limit: number,
  label: string,
  build: () => number,
): { root: number; size: number } | undefined {
  try {
    const root = idd.withBudget({ nodes: limit, leaves: limit, memory: 2 * limit }, build, label);
    const size = sizeOf(idd, root);
    return size <= limit ? { root, size } : undefined;
  } catch (e) {
    if (e instanceof BudgetExceeded && e.owner === label) return undefined;
    throw e;
  }
}

/**
 * The segment with leaves that name its rules too, or undefined past the
 * budget. In policy order, so that a budget that is going to be exceeded is
 * exceeded soon (the result does not depend on the order).
 */
function ruleLevel(
  idd: Idd,
  touching: number[],
  conds: number[],
  hitOf: (r: number) => number[],
  limit: number,
  EMPTY: number,
): number | undefined {
  // each rule's leaf is its own, so giving the conditions their leaves copies every node of
  // every condition: when the copies alone exceed the budget, fail before making them
  let copies = 0;
  for (const r of touching) if ((copies += idd.countNodes(conds[r])) > limit) return undefined;
  const made = attempt(idd, limit, 'rule-level', () =>
    uniteAll(
      idd,
      touching.map((r) => {
        const hit = hitOf(r);
        return idd.mapLeaves(undefined, conds[r], (x) => (x.length ? hit : []));
      }),
      EMPTY,
    ),
  );
  idd.forget('union');
  return made?.root;
}

/**
 * A rule's condition as a disjunction of parts: the terms of a top-level
 * `or`, or of the one `or` of a top-level `and` (distributed over it), each
 * with the rule's taps; otherwise the condition whole.
 */
function disjuncts(policy: Policy, b: FilterBuilder, r: number, cond: number): number[] {
  const f = policy.rules[r].filter;
  let parts: number[] | undefined;
  if (f.t === 'or' && f.args.length <= MAX_DISJUNCTS) {
    const taps = b.taps(policy, r);
    parts = f.args.map((a) => b.and(taps, b.filter(a)));
  } else if (f.t === 'and') {
    const ors = f.args.filter((a) => a.t === 'or');
    const or = ors[0];
    if (ors.length === 1 && or.t === 'or' && or.args.length <= MAX_DISJUNCTS) {
      const rest = b.and(b.taps(policy, r), b.all(f.args.filter((a) => a !== or).map((a) => b.filter(a))));
      parts = or.args.map((a) => b.and(rest, b.filter(a)));
    }
  }
  return (parts ?? [cond]).filter((p) => p !== b.FALSE);
}

/**
 * Counting tables for rules: their disjuncts, ordered by the fields they
 * test, united pairwise while they fit the budget (a single disjunct is
 * always a table).
 */
function countingTables(
  policy: Policy,
  b: FilterBuilder,
  homeRules: number[],
  conds: number[],
  G: number,
  budgets: CompileBudgets,
): { tables: Piece[]; uncounted: number[] } {
  const idd = b.idd;
  const EMPTY = b.FALSE;
  const uncounted = new Set<number>();
  const items: { rule: number; diagram: number }[] = [];
  for (const r of homeRules) {
    const hit = [2 * G + r];
    for (const p of disjuncts(policy, b, r, conds[r]))
      items.push({ rule: r, diagram: idd.mapLeaves(undefined, p, (x) => (x.length ? hit : [])) });
  }
  const classes = byShape(idd, items, (x) => x.diagram);
  // a class of disjuncts over the same fields is usually one wide node (a port list) and fits;
  // one that does not is disjuncts that overlap in many ways (ranges over ranges), whose every
  // split would be walked by every packet they match: its rules go uncounted
  const pieces: Piece[] = [];
  for (const cls of classes) {
    const whole = attempt(idd, budgets.counting, 'counting', () =>
      uniteAll(
        idd,
        cls.map((x) => x.diagram),
        EMPTY,
      ),
    );
    idd.forget('union');
    if (whole) pieces.push({ root: whole.root, members: cls.map((x) => x.rule), size: whole.size });
    else for (const x of cls) uncounted.add(x.rule);
  }
  for (const t of pieces) t.members = [...new Set(t.members)].sort((x, y) => x - y);
  return { tables: pieces, uncounted: [...uncounted] };
}
