import type { Span } from '../../diagnostics/diagnostic.js';
import { defineCheck } from '../context.js';

/** Each physical port has one role: one tap's source, one side of one inline pair, or one tool's output. */
export const interfaceReused = defineCheck({
  name: 'interface-reused',
  codes: ['TMES0407'],
  run({ policy, bag }) {
    const owner = new Map<string, string>();
    const claim = (name: string, who: string, span: Span) => {
      const prev = owner.get(name);
      if (prev && prev !== who) bag.add('TMES0407', span, `interface '${name}' is used by ${who} and by ${prev}`);
      else owner.set(name, who);
    };
    for (const tap of policy.taps) {
      if (tap.source.kind === 'interface') claim(tap.source.name, `tap '${tap.name}'`, tap.span);
      if (tap.source.kind === 'inline') {
        claim(tap.source.left, `tap '${tap.name}'`, tap.span);
        if (tap.source.right !== tap.source.left) claim(tap.source.right, `tap '${tap.name}'`, tap.span);
      }
    }
    for (const g of policy.groups)
      for (const t of g.tools) if (t.output.kind === 'interface') claim(t.output.target, `tool '${t.name}'`, t.span);
  },
});
