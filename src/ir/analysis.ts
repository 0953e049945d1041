import type { Reporter } from '../diagnostics/bag.js';
import type { Policy } from '../policy/policy.js';
import { FilterBuilder } from './build.js';
import type { AnalysisInput } from './compile.js';
import { FIELD_CONSISTENCY } from './consistency.js';
import { Density } from './density.js';
import { FieldSpace } from './field-space.js';
import { BudgetExceeded, Idd } from './idd.js';
import { ANALYSIS_BUDGET } from './limits.js';

/**
 * The overlap analysis: questions about rules answered exactly on boolean
 * diagrams, each rule's condition restricted to packets the decoder can
 * produce (src/ir/consistency.ts). No sampling, no pairwise guessing: a
 * finding is a proof. Payload and byte-offset tests are opaque, each an
 * independent condition, so a rule can only be found dead by what the
 * fields say (what is reported is true; a rule dead only by its payload
 * tests is not reported).
 *
 * The questions are per group, so they never need the combinations of all
 * rules that the match graph's leaves would list:
 *
 * - TMES0700, a rule no packet can match: its condition is empty;
 * - TMES0705, a to rule all of whose packets a drop rule excludes from a
 *   group: its condition lies inside the union of the group's drop rules;
 * - TMES0702, a drop rule that excludes nothing: its condition meets no to
 *   rule of its groups;
 * - TMES0701, a to rule that adds nothing: for each of its groups, its
 *   condition lies inside the union of the group's other to rules. Later
 *   rules are judged first, and one found redundant no longer covers
 *   others, so of two identical rules the later is reported, not both.
 *
 * The analysis has a budget of its own (ANALYSIS_BUDGET, and a share of it
 * per group): a group whose questions do not fit is skipped, TMES0704 says
 * which, and every finding made is still exact.
 */
export interface RuleFinding {
  code: 'TMES0700' | 'TMES0701' | 'TMES0702' | 'TMES0705';
  rule: number;
  /** TMES0701: a minimal set of rules that together cover this one; TMES0705: the drop rules that exclude it. */
  coveredBy?: number[];
  /** TMES0705: the groups from which every packet of the rule is excluded. */
  groups?: number[];
}

export interface AnalysisResult {
  findings: RuleFinding[];
  /** Groups whose questions did not fit the budget: TMES0701 and TMES0702 were not answered for their rules. */
  skippedGroups: number[];
}

/** Share of the analysis budget one group may use. */
const GROUP_SHARE = 4;

/** The analysis of a policy, on the compile's diagrams when given (they are not built twice). */
export function analyzePolicy(policy: Policy, input?: AnalysisInput): AnalysisResult {
  const a = input ?? standalone(policy);
  const { idd, b } = a;
  const findings: RuleFinding[] = [];
  const skipped = new Set<number>();
  // conditions the analysis' own budget left unbuilt: only dead rules are looked for then
  const incomplete = a.conds.length < policy.rules.length;
  if (incomplete) policy.groups.forEach((_, g) => skipped.add(g));
  const rules = policy.rules;
  const F = b.FALSE;
  const density = new Density(b);
  try {
    idd.withBudget(
      ANALYSIS_BUDGET,
      () => {
        const consistent = b.filter(FIELD_CONSISTENCY);
        // each rule's condition on packets the decoder can produce
        const live: number[] = [];
        for (const r of rules) {
          const cond = a.conds[r.index];
          // a rule whose condition was not built (the budget ran out) is claimed nothing about
          live.push(cond === undefined ? b.TRUE : b.and(cond, consistent));
          if (live[r.index] === F) findings.push({ code: 'TMES0700', rule: r.index });
        }
        if (incomplete) return;
        const toRules: number[][] = policy.groups.map(() => []);
        const dropRules: number[][] = policy.groups.map(() => []);
        for (const r of rules) for (const g of r.groups) (r.action === 'to' ? toRules : dropRules)[g].push(r.index);
        const minus = (x: number, y: number) => b.and(x, b.not(y));
        // each group's unions, built on first need (within the group's share of the budget)
        const toU: number[] = a.to ? [...a.to] : [];
        const dropU: number[] = a.drop ? [...a.drop] : [];
        const toOf = (g: number) => (toU[g] ??= b.any(toRules[g].map((r) => a.conds[r])));
        const dropOf = (g: number) => (dropU[g] ??= b.any(dropRules[g].map((r) => a.conds[r])));
        const perGroup = {
          nodes: ANALYSIS_BUDGET.nodes / GROUP_SHARE,
          steps: ANALYSIS_BUDGET.steps / GROUP_SHARE,
          memory: ANALYSIS_BUDGET.memory / GROUP_SHARE,
        };
        const inGroup = <T>(g: number, fn: () => T): T | undefined => {
          if (skipped.has(g)) return undefined;
          try {
            return idd.withBudget(perGroup, fn, 'analysis-group');
          } catch (e) {
            if (!(e instanceof BudgetExceeded && e.owner === 'analysis-group')) throw e;
            skipped.add(g);
            return undefined;
          }
        };

        // drop rules that exclude nothing: they meet no to rule of any of their groups
        for (const d of rules) {
          if (d.action !== 'drop' || live[d.index] === F) continue;
          let effective = false;
          let known = true;
          for (const g of d.groups) {
            const meets = inGroup(g, () => b.and(live[d.index], toOf(g)) !== F);
            if (meets === undefined) known = false;
            else if (meets) effective = true;
          }
          if (!effective && known) findings.push({ code: 'TMES0702', rule: d.index });
        }

        // to rules whose every packet a drop rule excludes from a group
        const excluded = new Set<number>();
        for (const r of rules) {
          if (r.action !== 'to' || live[r.index] === F) continue;
          const groups: number[] = [];
          const by = new Set<number>();
          for (const g of r.groups) {
            if (dropRules[g].length === 0) continue;
            inGroup(g, () => {
              if (minus(live[r.index], dropOf(g)) !== F) return;
              groups.push(g);
              for (const d of minimalCover(b, density, live[r.index], dropRules[g], a.conds)) by.add(d);
            });
          }
          if (groups.length === 0) continue;
          if (groups.length === r.groups.length) excluded.add(r.index);
          findings.push({ code: 'TMES0705', rule: r.index, groups, coveredBy: [...by].sort((x, y) => x - y) });
        }

        // to rules that add nothing, judged from the last: prefix unions of each group's to rules
        // (in policy order) and, growing as the judging goes back, the union of the live ones after
        const pos = new Map<string, number>();
        const prefix: (number[] | undefined)[] = policy.groups.map((_, g) =>
          inGroup(g, () => {
            const out = [F];
            toRules[g].forEach((r, i) => {
              pos.set(`${g}:${r}`, i);
              out.push(b.or(out[i], a.conds[r]));
            });
            return out;
          }),
        );
        const after = policy.groups.map(() => F);
        const removed = new Set<number>();
        for (let i = rules.length - 1; i >= 0; i--) {
          const r = rules[i];
          if (r.action !== 'to') continue;
          const judge = live[i] !== F && !excluded.has(i) && r.groups.length > 0;
          let covered = judge;
          if (judge) {
            for (const g of r.groups) {
              const p = prefix[g];
              const ok = p && inGroup(g, () => minus(minus(live[i], p[pos.get(`${g}:${i}`)!]), after[g]) === F);
              if (!ok) {
                covered = false;
                break;
              }
            }
          }
          if (covered) {
            removed.add(i);
            const others = (g: number) => toRules[g].filter((s) => s !== i && !removed.has(s));
            const by = new Set<number>();
            for (const g of r.groups) for (const s of minimalCover(b, density, live[i], others(g), a.conds)) by.add(s);
            findings.push({ code: 'TMES0701', rule: i, coveredBy: [...by].sort((x, y) => x - y) });
            continue;
          }
          for (const g of r.groups) {
            if (skipped.has(g)) continue;
            const grown = inGroup(g, () => b.or(after[g], a.conds[i]));
            if (grown !== undefined) after[g] = grown;
          }
        }
      },
      'analysis',
    );
  } catch (e) {
    if (!(e instanceof BudgetExceeded && (e.owner === 'analysis' || e.owner === ''))) throw e;
    // the whole budget ran out: what was found stands, the rest is unanswered
    policy.groups.forEach((_, g) => skipped.add(g));
  }
  return {
    findings: dedupe(findings).sort((x, y) => x.rule - y.rule || x.code.localeCompare(y.code)),
    skippedGroups: [...skipped].sort((x, y) => x - y),
  };
}

/** A rule reported dead is reported for nothing else. */
function dedupe(findings: RuleFinding[]): RuleFinding[] {
  const dead = new Set(findings.filter((f) => f.code === 'TMES0700').map((f) => f.rule));
  return findings.filter((f) => f.code === 'TMES0700' || !dead.has(f.rule));
}

/**
 * A minimal set of the candidate rules whose union covers `target` (which the
 * union of all of them does): the candidates that meet it, largest overlap
 * first, added until they cover it, then any that the others make
 * unnecessary removed.
 */
function minimalCover(
  b: FilterBuilder,
  density: Density,
  target: number,
  candidates: number[],
  conds: number[],
): number[] {
  const F = b.FALSE;
  const meets = candidates
    .map((s) => ({ s, overlap: b.and(target, conds[s]) }))
    .filter((x) => x.overlap !== F)
    .map((x) => ({ ...x, weight: density.of(x.overlap) }))
    .sort((x, y) => y.weight - x.weight || x.s - y.s);
  const covers = (set: number[]) => b.and(target, b.not(b.any(set.map((s) => conds[s])))) === F;
  const chosen: number[] = [];
  for (const m of meets) {
    chosen.push(m.s);
    if (covers(chosen)) break;
  }
  for (const s of [...chosen].reverse()) {
    const rest = chosen.filter((x) => x !== s);
    if (rest.length && covers(rest)) chosen.splice(chosen.indexOf(s), 1);
  }
  return chosen.sort((x, y) => x - y);
}

/** The analysis' own diagrams, when no compile gave them (it ran out of budget). */
function standalone(policy: Policy): AnalysisInput {
  const space = new FieldSpace();
  for (const r of policy.rules) space.collect(r.filter);
  const idd = new Idd(space.names.length);
  const b = new FilterBuilder(idd, space);
  const conds: number[] = [];
  try {
    idd.withBudget(
      ANALYSIS_BUDGET,
      () => {
        for (const r of policy.rules) conds.push(b.rule(policy, r.index));
      },
      'analysis',
    );
  } catch (e) {
    if (!(e instanceof BudgetExceeded)) throw e;
    // the conditions built so far are still looked at, for rules that never match
  }
  return { idd, b, space, conds };
}

/** Reports the findings as diagnostics at the rules' names. */
export function reportRuleFindings(policy: Policy, findings: RuleFinding[], bag: Reporter<RuleFinding['code']>): void {
  const names = (rs: number[]) => rs.map((s) => `'${policy.rules[s].name}'`);
  const groupList = (gs: number[]) => gs.map((g) => `'${policy.groups[g].name}'`).join(', ');
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
        `drop rule '${r.name}' excludes nothing: no rule sends the packets it matches to ${groupList(r.groups)}`,
      );
    } else if (f.code === 'TMES0705') {
      const by = names(f.coveredBy!);
      const all = f.groups!.length === r.groups.length;
      bag.add(
        'TMES0705',
        r.span,
        `rule '${r.name}' ${all ? 'delivers nothing' : `sends nothing to ${groupList(f.groups!)}`}: ${
          by.length === 1 ? `drop rule ${by[0]} excludes` : `drop rules ${by.join(', ')} together exclude`
        } every packet it matches from ${groupList(f.groups!)}`,
        {
          related: f.coveredBy!.map((s) => ({
            message:
              by.length === 1
                ? `drop rule '${policy.rules[s].name}' excludes all of it`
                : `drop rule '${policy.rules[s].name}' excludes part of it`,
            span: policy.rules[s].span,
          })),
        },
      );
    } else {
      const by = names(f.coveredBy!);
      bag.add(
        'TMES0701',
        r.span,
        `rule '${r.name}' adds nothing: ${
          by.length === 1 ? `rule ${by[0]} already sends` : `rules ${by.join(', ')} together already send`
        } every packet it matches to ${groupList(r.groups)}`,
        {
          related: f.coveredBy!.map((s) => ({
            message:
              by.length === 1
                ? `rule '${policy.rules[s].name}' sends all of it there`
                : `rule '${policy.rules[s].name}' sends part of it there`,
            span: policy.rules[s].span,
          })),
        },
      );
    }
  }
}
