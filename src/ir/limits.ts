import type { Budget, BudgetKind } from './idd.js';

/**
 * The compiler's budgets. They are counts, not times, so a policy compiles
 * (or does not) the same way on every machine and validate answers what
 * compile will do. docs/compiler.md describes them for users.
 */
export interface CompileBudgets {
  /** The whole compile: past any of these the policy does not compile (TMES0706). */
  total: Required<Budget>;
  /** One rule's condition: past it, the rule is named (TMES0706) before the rest of the policy's work is done. */
  rule: Required<Budget>;
  /** Size (intervals, leaves and entries of leaf sets) of one segment with group leaves: past it, the groups are split into more segments. */
  segment: number;
  /** Size of one segment with rule leaves (exact counters at no cost per packet): past it, the segment keeps group leaves and counts its rules with counting tables. */
  ruleLevel: number;
  /** Size of one counting table: past it, the rules are split over more tables. */
  counting: number;
  /** Counting tables of one segment: past it, the remaining rules of the segment go uncounted (the run says which). */
  countingTables: number;
  /** All counting tables together: past it, the rules left go uncounted. */
  countingTotal: Required<Budget>;
  /** Nodes of an -O0 graph (each rule as written; a shared definition is copied at each use). */
  naive: number;
}

export const COMPILE_BUDGETS: CompileBudgets = {
  // some 12 bytes a unit of memory: about 300 MB held at most, and 400 million apply steps (tens of seconds)
  total: { nodes: 4_000_000, leaves: 2_000_000, steps: 400_000_000, memory: 25_000_000 },
  rule: { nodes: 2_000_000, leaves: 1_000, steps: 40_000_000, memory: 8_000_000 },
  segment: 600_000,
  ruleLevel: 50_000,
  counting: 200_000,
  countingTables: 64,
  countingTotal: { nodes: 150_000, leaves: 50_000, steps: 2_000_000, memory: 1_000_000 },
  naive: 1_000_000,
};

/** The budget of the overlap analysis (TMES0700-0705), apart from the compile's: past it, TMES0704 says what was not analysed. */
export const ANALYSIS_BUDGET: Required<Budget> = {
  nodes: 1_000_000,
  leaves: 1_000,
  steps: 100_000_000,
  memory: 8_000_000,
};

/** Where the compile was when its budget ran out: the rules it was working on. */
export class CompileBudgetError extends Error {
  constructor(
    readonly kind: BudgetKind,
    readonly limit: number,
    /** What was being built, for people: "rule 'x'", "group 'g'", "the segment of groups 'a', 'b'". */
    readonly stage: string,
    /** Rule indices involved, most relevant first. */
    readonly rules: number[],
  ) {
    super(
      kind === 'depth'
        ? `arithmetic nested more than ${limit} deep in ${stage}: write it with fewer nested terms`
        : `the match graph exceeds the compiler's budget of ${thousands(limit)} ${
            kind === 'memory' ? 'units of memory' : kind
          } while building ${stage}`,
    );
  }
}

/** 1234567 -> "1,234,567" (toLocaleString would load ICU's data). */
function thousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
