import type { RunStats } from '../stats/stats.js';
import { ACTIONS } from './registry.js';
import type { StepName } from '../../artifact/steps.js';

/**
 * What the run's action counters hold that would surprise a user: packets
 * an action could not handle and delivered unchanged. One line each, for
 * standard error; the counts are in the summary and in --stats json too.
 */
export function actionWarnings(stats: RunStats): string[] {
  const out: string[] = [];
  for (const g of stats.groups) {
    for (const [step, counts] of Object.entries(g.actions)) {
      const warnings = ACTIONS[step as StepName]?.warnings;
      if (!warnings) continue;
      for (const [reason, text] of Object.entries(warnings)) {
        const n = counts[reason] ?? 0;
        if (n === 0) continue;
        // the texts are written for many packets: one packet 'was'
        const said = n === 1 ? `packet ${text.replace(/^were /, 'was ')}` : `packets ${text}`;
        out.push(`group '${g.name}': ${step}: ${n} ${said} (${reason})`);
      }
    }
  }
  return out;
}
