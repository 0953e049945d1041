import { fileKey } from '../../policy/file-key.js';
import { defineCheck } from '../context.js';

export const outputIsInput = defineCheck({
  name: 'output-is-input',
  codes: ['TMES0406'],
  run({ policy, bag }) {
    // by what the paths are on disk: a link can make two paths one file
    const inputs = new Map<string, string>();
    for (const tap of policy.taps)
      if (tap.source.kind === 'files') for (const p of tap.source.paths) inputs.set(fileKey(p), tap.name);
    for (const g of policy.groups) {
      for (const t of g.tools) {
        if (t.output.kind === 'interface' || !t.output.target) continue;
        const tap = inputs.get(fileKey(t.output.target));
        if (tap) bag.add('TMES0406', t.span, `tool '${t.name}' writes '${t.output.target}', which tap '${tap}' reads`);
      }
    }
  },
});
