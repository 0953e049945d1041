import type * as A from '../../syntax/ast.js';
import { defineCheck } from '../context.js';

/**
 * pcap-filter(7) gives and/or equal precedence, left to right, which surprises
 * anyone used to and binding tighter: `a or b and c` is `(a or b) and c`.
 */
export const mixedAndOr = defineCheck({
  name: 'mixed-and-or',
  codes: ['TMES0310'],
  run({ files, bag }) {
    const visit = (f: A.Filter): void => {
      switch (f.kind) {
        case 'And':
        case 'Or': {
          // a chain's runs nest only by a switch of operator, which wraps the run before it
          const first = f.operands[0];
          if ((first.kind === 'And' || first.kind === 'Or') && first.kind !== f.kind) {
            bag.add(
              'TMES0310',
              f.opSpans[0],
              `'${f.kind.toLowerCase()}' after '${first.kind.toLowerCase()}' without parentheses is read left to right, as in tcpdump; add parentheses to say which you mean`,
            );
          }
          for (const x of f.operands) visit(x);
          return;
        }
        case 'Not':
          return visit(f.operand);
        case 'Paren':
          return visit(f.inner);
        case 'Inner':
          return visit(f.filter);
      }
    };
    for (const file of files) {
      for (const st of file.ast.statements) {
        if (st.kind === 'Rule') visit(st.filter);
        if (st.kind === 'Define' && st.filter) visit(st.filter);
      }
    }
  },
});
