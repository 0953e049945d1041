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
          for (const side of [f.left, f.right]) {
            if ((side.kind === 'And' || side.kind === 'Or') && side.kind !== f.kind) {
              bag.add(
                'TMES0310',
                f.opSpan,
                `'${f.kind.toLowerCase()}' after '${side.kind.toLowerCase()}' without parentheses is read left to right, as in tcpdump; add parentheses to say which you mean`,
              );
            }
          }
          visit(f.left);
          visit(f.right);
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
