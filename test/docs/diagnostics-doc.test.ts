import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { diagnosticsMarkdown } from '../../docs/generate-diagnostics.js';

it('docs/diagnostics.md is generated from the catalogue and fixtures (run npx tsx docs/generate-diagnostics.ts)', () => {
  const root = join(import.meta.dirname, '..', '..');
  expect(readFileSync(join(root, 'docs', 'diagnostics.md'), 'utf8')).toBe(diagnosticsMarkdown(root));
});
