import type { Reporter } from '../../diagnostics/bag.js';
import type * as A from '../../syntax/ast.js';
import { BUILTIN_MASKS } from '../names.js';
import { checkPattern, problemSpan } from '../patterns.js';
import type { BuildCode } from '../stages.js';
import type { Symbols } from '../symbols.js';

/** A pattern written in place (/re/) or named by a `define pattern`; undefined after a diagnostic. */
export function patternOf(
  p: A.RegexLit | A.Ident | A.Word,
  bag: Reporter<BuildCode>,
  symbols: Symbols,
): { source: string; flags: string } | undefined {
  if (p.kind === 'Regex') {
    const problem = checkPattern(p.source, p.flags);
    if (problem) {
      bag.add(problem.code, problemSpan(p.span, p.source, problem), problem.message);
      return undefined;
    }
    return { source: p.source, flags: p.flags };
  }
  const name: A.Ident = p.kind === 'Ident' ? p : { kind: 'Ident', name: p.word, span: p.span };
  const s = symbols.define(name);
  if (!s) {
    symbols.unknown('pattern', name, [
      ...BUILTIN_MASKS,
      ...[...symbols.defines.values()].filter((x) => x.kind === 'pattern').map((x) => x.decl.name.name),
    ]);
    return undefined;
  }
  const re = s.decl.values?.[0];
  if (s.kind !== 'pattern') {
    symbols.wrongKind(p.span, name.name, s.kind, 'a pattern');
    return undefined;
  }
  if (s.decl.values?.length !== 1 || re?.kind !== 'Regex') return undefined; // TMES0210, at the definition
  // the definition's own problems are reported once, where it is defined
  return checkPattern(re.source, re.flags) ? undefined : { source: re.source, flags: re.flags };
}
