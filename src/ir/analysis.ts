import type { Reporter } from '../diagnostics/bag.js';
import type { Policy } from '../policy/policy.js';
import { FilterBuilder } from './build.js';
import type { Compiled } from './compile.js';
import { FIELD_CONSISTENCY } from './consistency.js';
import { FieldSpace } from './field-space.js';
import { Idd } from './idd.js';

/**
 * Exact overlap analysis on the rule diagram. Its leaves partition packet
 * space into cells, each labelled with exactly the rules that match there, so
 * "never matches", "adds nothing" and "excludes nothing" are questions about
 * which leaves contain which rules: no sampling, no pairwise guessing.
 * (Predicates such as payload tests count as independent conditions.)
 */
export interface RuleFinding {
  code: 'TMES0700' | 'TMES0701' | 'TMES0702';
  rule: number;
  /** For TMES0701: a minimal set of rules that together cover this one. */
  coveredBy?: number[];
}

export function analyzeRules(policy: Policy, compiled: Compiled): RuleFinding[] {
  const a = compiled.analysis;
  if (!a) return [];
  const findings: RuleFinding[] = [];
  const cells = a.idd.reachableLeaves(a.root).map((l) => a.idd.leafSet(l));
  const cellsOf: number[][][] = policy.rules.map(() => []);
  for (const cell of cells) for (const r of cell) cellsOf[r]?.push(cell);

  for (const r of policy.rules) {
    if (cellsOf[r.index].length === 0) findings.push({ code: 'TMES0700', rule: r.index });
  }

  // drop rules: effective where some to-rule of the same cell sends to a group it drops
  for (const d of policy.rules) {
    if (d.action !== 'drop' || cellsOf[d.index].length === 0) continue;
    const effective = cellsOf[d.index].some((cell) =>
      cell.some((s) => policy.rules[s].action === 'to' && policy.rules[s].groups.some((g) => d.groups.includes(g))),
    );
    if (!effective) findings.push({ code: 'TMES0702', rule: d.index });
  }

  // to-rules: redundant when, in every cell it matches, every group it sends to gets the
  // packet from another rule too. Later rules are judged first, and a redundant rule is
  // then set aside, so of two identical rules the later one is reported, not both.
  const removed = new Set<number>();
  for (let i = policy.rules.length - 1; i >= 0; i--) {
    const r = policy.rules[i];
    if (r.action !== 'to' || cellsOf[i].length === 0 || r.groups.length === 0) continue;
    // what must be covered: (cell, group) pairs; what may cover: other live to-rules
    const needs: { cell: number[]; group: number }[] = [];
    for (const cell of cellsOf[i]) for (const g of r.groups) needs.push({ cell, group: g });
    const covers = (s: number, n: { cell: number[]; group: number }) =>
      s !== i &&
      !removed.has(s) &&
      n.cell.includes(s) &&
      policy.rules[s].action === 'to' &&
      policy.rules[s].groups.includes(n.group);
    if (!needs.every((n) => n.cell.some((s) => covers(s, n)))) continue;
    // greedy set cover, then drop any rule the others make unnecessary: a minimal cover
    let open = needs;
    const chosen: number[] = [];
    while (open.length) {
      const count = new Map<number, number>();
      for (const n of open) for (const s of n.cell) if (covers(s, n)) count.set(s, (count.get(s) ?? 0) + 1);
      let best = -1;
      for (const [s, c] of count)
        if (best < 0 || c > count.get(best)! || (c === count.get(best)! && s < best)) best = s;
      chosen.push(best);
      open = open.filter((n) => !covers(best, n));
    }
    for (const s of [...chosen]) {
      const rest = chosen.filter((x) => x !== s);
      if (needs.every((n) => rest.some((x) => covers(x, n)))) chosen.splice(chosen.indexOf(s), 1);
    }
    removed.add(i);
    findings.push({ code: 'TMES0701', rule: i, coveredBy: chosen.sort((x, y) => x - y) });
  }
  return findings.sort((x, y) => x.rule - y.rule);
}

/** Reports the findings as diagnostics at the rules' names. */
export function reportRuleFindings(policy: Policy, findings: RuleFinding[], bag: Reporter<RuleFinding['code']>): void {
  for (const f of findings) {
    const r = policy.rules[f.rule];
    if (f.code === 'TMES0700') {
      bag.add(
        'TMES0700',
        r.span,
        `rule '${r.name}' can never match${r.taps === 'any' ? '' : ' on its taps'}: no packet satisfies its filter`,
      );
    } else if (f.code === 'TMES0702') {
      bag.add(
        'TMES0702',
        r.span,
        `drop rule '${r.name}' excludes nothing: no rule sends the packets it matches to ${r.groups.map((g) => `'${policy.groups[g].name}'`).join(', ')}`,
      );
    } else {
      const names = f.coveredBy!.map((s) => `'${policy.rules[s].name}'`);
      bag.add(
        'TMES0701',
        r.span,
        `rule '${r.name}' adds nothing: ${names.length === 1 ? `rule ${names[0]} already sends` : `rules ${names.join(', ')} together already send`} all its traffic to ${r.groups.map((g) => `'${policy.groups[g].name}'`).join(', ')}`,
        {
          related: f.coveredBy!.map((s) => ({
            message: `rule '${policy.rules[s].name}' covers ${names.length === 1 ? 'all' : 'part'} of it`,
            span: policy.rules[s].span,
          })),
        },
      );
    }
  }
}

/**
 * Rules no packet can match, checked one rule at a time: each rule's own
 * condition against what the decoder guarantees. Exact, and linear in the
 * number of rules, so it runs on policies of any size.
 */
export function deadRules(policy: Policy): RuleFinding[] {
  const space = new FieldSpace();
  for (const r of policy.rules) space.collect(r.filter);
  const b = new FilterBuilder(new Idd(space.names.length), space);
  const consistent = b.filter(FIELD_CONSISTENCY);
  const out: RuleFinding[] = [];
  for (const r of policy.rules)
    if (b.and(b.rule(policy, r.index), consistent) === b.FALSE) out.push({ code: 'TMES0700', rule: r.index });
  return out;
}
