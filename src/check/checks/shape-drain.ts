import { SHAPE_MAX_DRAIN_SECONDS, shapeBufferBytes, shapeDrainSeconds } from '../../policy/shaping.js';
import { defineCheck } from '../context.js';

/** "7200 s" -> "2 h", for messages. */
function span(seconds: number): string {
  if (seconds >= 86400 * 2) return `${Math.round(seconds / 86400)} days`;
  if (seconds >= 3600 * 2) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 60)} min`;
}

/**
 * A shaped tool whose rate would take more than an hour to drain the
 * group's buffer: the runtime refuses it (runtime/actions/shape.ts), so
 * validate says so first, at the tool.
 */
export const shapeDrain = defineCheck({
  name: 'shape-drain',
  codes: ['TMES0471'],
  run({ policy, bag }) {
    for (const g of policy.groups) {
      const burst = g.actions.shape?.burstBytes;
      if (burst === undefined) continue;
      for (const t of g.tools) {
        if (t.rateBps === undefined) continue; // TMES0409
        const drain = shapeDrainSeconds(burst, t.rateBps);
        if (drain <= SHAPE_MAX_DRAIN_SECONDS) continue;
        const minRate = (shapeBufferBytes(burst) * 8) / SHAPE_MAX_DRAIN_SECONDS;
        bag.add(
          'TMES0471',
          t.span,
          `tool '${t.name}' would take ${span(drain)} at its rate to drain the shaping buffer of group '${g.name}' (${burst} B, the burst): packets would wait that long; give a rate of at least ${Math.ceil(minRate)} bps or a smaller burst`,
        );
      }
    }
  },
});
