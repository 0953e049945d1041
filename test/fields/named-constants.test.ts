import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { sourceFiles } from '../layers/imports.js';

const SRC = join(import.meta.dirname, '..', '..', 'src');

/** Where wire values are named: nowhere else in src/ may they appear as literals. */
const HOMES = new Set(['fields/ethertype.ts', 'runtime/capture/magic.ts']);

function hexValues(file: string): Set<number> {
  const text = readFileSync(join(SRC, file), 'utf8');
  return new Set([...text.matchAll(/= (0x[0-9a-f]+)[,;]/gi)].map((m) => Number(m[1])));
}

/** Numeric literals written in hex, with their line: the way wire values are written. */
function hexLiterals(file: string): { value: number; text: string; line: number }[] {
  const text = readFileSync(join(SRC, file), 'utf8');
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, true, ts.LanguageVariant.Standard, text);
  const out: { value: number; text: string; line: number }[] = [];
  let line = 1;
  let last = 0;
  for (let k = scanner.scan(); k !== ts.SyntaxKind.EndOfFileToken; k = scanner.scan()) {
    if (k !== ts.SyntaxKind.NumericLiteral) continue;
    const t = scanner.getTokenText();
    if (!/^0x/i.test(t)) continue;
    const pos = scanner.getTokenStart();
    for (let i = last; i < pos; i++) if (text.charCodeAt(i) === 10) line++;
    last = pos;
    out.push({ value: Number(t), text: t, line });
  }
  return out;
}

describe('wire values are named once', () => {
  const etherTypes = hexValues('fields/ethertype.ts');
  const magics = hexValues('runtime/capture/magic.ts');

  it('finds the registries it guards', () => {
    expect(etherTypes.has(0x86dd)).toBe(true);
    expect(magics.has(0xa1b2c3d4)).toBe(true);
  });

  it('EtherTypes and capture-file magic numbers appear as literals only where they are named', () => {
    const found: string[] = [];
    for (const file of sourceFiles(SRC)) {
      if (HOMES.has(file)) continue;
      for (const l of hexLiterals(file)) {
        // two-byte EtherTypes written as 0x..; masks and other constants are not four hex digits that name one
        if (etherTypes.has(l.value) && /^0x[0-9a-f]{3,4}$/i.test(l.text))
          found.push(`${file}:${l.line}: ${l.text} (use ETHERTYPE from src/fields/ethertype.ts)`);
        if (magics.has(l.value))
          found.push(`${file}:${l.line}: ${l.text} (use the name in src/runtime/capture/magic.ts)`);
      }
    }
    expect(found).toEqual([]);
  });
});
