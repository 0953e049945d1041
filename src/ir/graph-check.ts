import type { Check } from '../check/context.js';
import type { Span } from '../diagnostics/diagnostic.js';
import type { Policy } from '../policy/policy.js';
import { analyzePolicy, reportRuleFindings } from './analysis.js';
import { compilePolicy, type AnalysisInput } from './compile.js';
import { CompileBudgetError } from './limits.js';

/** Most rules a budget diagnostic names besides the first. */
const RELATED_MAX = 8;

function policySpan(policy: Policy): Span | undefined {
  return policy.rules[0]?.span ?? policy.groups[0]?.span ?? policy.taps[0]?.span;
}

/**
 * The checks that need the compiler: the policy compiles within its budgets
 * (TMES0706, an error: compile and run would refuse it), and the overlap
 * analysis (rules that never match, add nothing, deliver nothing; drop rules
 * that exclude nothing). They run only on a policy without errors: a
 * primitive that failed to check stands in as "false" and would make its rule
 * look dead. The compile is kept for the command that asked for the check.
 */
export const graphChecks: Check = {
  codes: ['TMES0700', 'TMES0701', 'TMES0702', 'TMES0703', 'TMES0704', 'TMES0705', 'TMES0706'],
  // without some rules: a rule alone still never matches, a cover or an exclusion found among fewer rules still
  // holds, and a policy too large with fewer rules is too large with more; but a drop rule may exclude what a
  // missing to-rule sends
  soundWithoutSomeRules: ['TMES0700', 'TMES0701', 'TMES0703', 'TMES0704', 'TMES0705', 'TMES0706'],
  run({ policy, bag, rootIsLibrary }) {
    if (rootIsLibrary || bag.hasErrors) return;
    let input: AnalysisInput | undefined;
    try {
      const compiled = compilePolicy(policy, { analysis: true });
      input = compiled.analysis;
      if (compiled.passes.capped)
        bag.add(
          'TMES0703',
          policySpan(policy)!,
          'the optimizer stopped at its iteration cap; the graph is correct but may not be minimal',
        );
    } catch (e) {
      if (!(e instanceof CompileBudgetError)) throw e;
      const [first, ...rest] = e.rules;
      const span = first === undefined ? policySpan(policy)! : policy.rules[first].span;
      bag.add('TMES0706', span, `policy too large to compile: ${e.message}`, {
        related: rest.slice(0, RELATED_MAX).map((r) => ({
          message: `rule '${policy.rules[r].name}' is part of it`,
          span: policy.rules[r].span,
        })),
      });
    }
    const result = analyzePolicy(policy, input);
    reportRuleFindings(policy, result.findings, bag);
    // a policy that does not compile has its error; what the analysis could not look at is beside the point
    if (result.skippedGroups.length && input) {
      const groups = result.skippedGroups;
      const named = groups
        .slice(0, RELATED_MAX)
        .map((g) => `'${policy.groups[g].name}'`)
        .join(', ');
      bag.add(
        'TMES0704',
        policy.groups[groups[0]].span,
        `overlap analysis skipped for ${groups.length === 1 ? 'group' : `${groups.length} groups:`} ${named}${
          groups.length > RELATED_MAX ? ', ...' : ''
        }: their rules overlap in more ways than the analysis handles within its budget, so rules that add nothing and drop rules that exclude nothing were not looked for there (rules that can never match were still checked; every finding reported is exact)`,
      );
    }
  },
};
