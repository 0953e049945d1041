import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkPolicyFile } from '../../src/check/check.js';
import { locate } from '../../src/diagnostics/diagnostic.js';

/**
 * Every bundled example and library file validates with no error and no warning, except the
 * warning that tmesc run does not perform an action yet (TMES0900): the examples show the whole
 * language, and that warning goes away action by action as the runtime performs them.
 */
const root = join(import.meta.dirname, '..', '..', 'rules');
describe('bundled policies', () => {
  for (const sub of ['examples', 'lib']) {
    for (const f of readdirSync(join(root, sub)).filter((x) => x.endsWith('.tmes'))) {
      it(`${sub}/${f} validates clean`, () => {
        const r = checkPolicyFile(join(root, sub, f));
        expect(r.diagnostics.filter((d) => d.code !== 'TMES0900').map((d) => { const l = locate(d); return `${l.file}:${l.line}:${l.column} ${d.code} ${d.message}`; })).toEqual([]);
      });
    }
  }
});
