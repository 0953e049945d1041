import type { Check } from '../check/context.js';
import { analyzeRules, deadRules, reportRuleFindings } from './analysis.js';
import { compilePolicy } from './compile.js';

/**
 * The checks that need the match graph: rules that never match, rules that
 * add nothing, drop rules that exclude nothing. They run only on a policy
 * without errors: a primitive that failed to check stands in as "false" and
 * would make its rule look dead.
 */
export const graphChecks: Check = {
  codes: ['TMES0700', 'TMES0701', 'TMES0702', 'TMES0703', 'TMES0704'],
  // without some rules: a rule alone still never matches, and a cover found among fewer rules still covers;
  // but a drop rule may exclude what a missing to-rule sends
  soundWithoutSomeRules: ['TMES0700', 'TMES0701', 'TMES0703', 'TMES0704'],
  run({ policy, bag, rootIsLibrary }) {
    if (rootIsLibrary || bag.hasErrors) return;
    const compiled = compilePolicy(policy, { analysisOnly: true });
    if (!compiled.analysis) {
      reportRuleFindings(policy, deadRules(policy), bag);
      bag.add(
        'TMES0704',
        policy.rules[0]?.span ?? policy.taps[0]?.span,
        `redundant-rule and dead-drop analysis skipped: the ${policy.rules.length} rules overlap in more ways than the exact analysis handles within its budget (rules that can never match were still checked)`,
      );
      return;
    }
    reportRuleFindings(policy, analyzeRules(policy, compiled), bag);
    if (compiled.passes.capped)
      bag.add(
        'TMES0703',
        policy.rules[0]?.span ?? policy.taps[0]?.span,
        'the optimizer stopped at its iteration cap; the graph is correct but may not be minimal',
      );
  },
};
