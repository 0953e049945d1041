import { defineCheck } from '../context.js';

/** A top-level policy names itself once; library files (included) have no header. */
export const policyHeader = defineCheck({
  name: 'policy-header',
  codes: ['TMES0102'],
  run({ files, bag, rootIsLibrary }) {
    for (const f of files) {
      const headers = f.ast.statements.filter((s) => s.kind === 'Policy');
      if (f.isRoot && headers.length === 0 && !rootIsLibrary) {
        bag.add(
          'TMES0102',
          { file: f.source, start: 0, end: 0 },
          'policy file has no header; start it with policy "name"',
        );
      }
      for (const h of headers.slice(f.isRoot ? 1 : 0)) {
        bag.add(
          'TMES0102',
          h.span,
          f.isRoot
            ? 'policy header given twice'
            : 'an included file has a policy header; only the top-level file names the policy',
        );
      }
    }
  },
});
