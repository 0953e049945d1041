import type { Span } from '../../diagnostics/diagnostic.js';
import { defineCheck } from '../context.js';

/** Statistics, explain and diff name rules; two rules of one name could not be told apart. */
export const duplicateRule = defineCheck({
  name: 'duplicate-rule',
  codes: ['TMES0201'],
  run({ files, bag }) {
    const first = new Map<string, Span>();
    for (const f of files)
      for (const st of f.ast.statements) {
        if (st.kind !== 'Rule') continue;
        const prev = first.get(st.name.name);
        if (prev)
          bag.add('TMES0201', st.name.span, `rule '${st.name.name}' is defined twice; give each rule its own name`, {
            related: [{ message: 'first defined here', span: prev }],
          });
        else first.set(st.name.name, st.name.span);
      }
  },
});
