import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatPolicy } from '../../src/cli/format/format.js';

/** The bundled policies are kept in the layout `tmesc fmt` gives them (run `tmesc fmt rules` after editing one). */
const root = join(import.meta.dirname, '..', '..', 'rules');
describe('bundled policies are formatted', () => {
  for (const sub of ['examples', 'lib']) {
    for (const f of readdirSync(join(root, sub)).filter((x) => x.endsWith('.tmes'))) {
      it(`${sub}/${f}`, () => {
        const text = readFileSync(join(root, sub, f), 'utf8');
        const r = formatPolicy(f, text);
        expect(r.ok).toBe(true);
        if (r.ok) expect(text, `run: npx tmesc fmt rules/${sub}/${f}`).toBe(r.text);
      });
    }
  }
});
