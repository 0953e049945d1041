import type { Span } from '../../diagnostics/diagnostic.js';
import { defineCheck } from '../context.js';

export const sharedOutput = defineCheck({
  name: 'shared-output',
  codes: ['TMES0402'],
  run({ policy, bag }) {
    const seen = new Map<string, { tool: string; span: Span }>();
    for (const g of policy.groups) {
      for (const t of g.tools) {
        if (!t.output.target) continue;
        const key = `${t.output.kind === 'interface' ? 'if' : 'file'}:${t.output.target}`;
        const first = seen.get(key);
        if (first) {
          bag.add(
            'TMES0402',
            t.span,
            `tool '${t.name}' writes to ${t.output.kind === 'interface' ? 'interface' : 'file'} '${t.output.target}', as tool '${first.tool}' already does`,
            {
              related: [{ message: `'${first.tool}' is defined here`, span: first.span }],
            },
          );
        } else seen.set(key, { tool: t.name, span: t.span });
      }
    }
  },
});
