import type { Span } from '../../diagnostics/diagnostic.js';
import { fileKey } from '../../policy/file-key.js';
import { defineCheck } from '../context.js';

export const sharedOutput = defineCheck({
  name: 'shared-output',
  codes: ['TMES0402'],
  run({ policy, bag }) {
    const seen = new Map<string, { tool: string; target: string; span: Span }>();
    for (const g of policy.groups) {
      for (const t of g.tools) {
        if (!t.output.target) continue;
        const isFile = t.output.kind !== 'interface';
        // files by what they are on disk: two paths can reach one file through a symbolic link
        const key = isFile ? `file:${fileKey(t.output.target)}` : `if:${t.output.target}`;
        const first = seen.get(key);
        if (first) {
          const what = isFile ? 'file' : 'interface';
          const message =
            first.target === t.output.target
              ? `tool '${t.name}' writes to ${what} '${t.output.target}', as tool '${first.tool}' already does`
              : `tool '${t.name}' writes to file '${t.output.target}', which is '${first.target}' (reached through a link), as tool '${first.tool}' already does`;
          bag.add('TMES0402', t.span, message, {
            related: [{ message: `'${first.tool}' is defined here`, span: first.span }],
          });
        } else seen.set(key, { tool: t.name, target: t.output.target, span: t.span });
      }
    }
  },
});
