import type * as A from '../../syntax/ast.js';
import { defineCheck } from '../context.js';

export const repeatedTarget = defineCheck({
  name: 'repeated-target',
  codes: ['TMES0410'],
  run({ files, bag }) {
    const check = (names: A.Ident[], what: string) => {
      const seen = new Set<string>();
      for (const n of names) {
        if (seen.has(n.name)) bag.add('TMES0410', n.span, `${what} '${n.name}' is listed twice`);
        seen.add(n.name);
      }
    };
    for (const f of files) {
      for (const st of f.ast.statements) {
        if (st.kind !== 'Rule') continue;
        if (st.from !== 'any') check(st.from, 'tap');
        check(st.groups, 'group');
      }
    }
  },
});
