import type { Span } from '../diagnostics/diagnostic.js';
import { checkPattern as compileCheck, type PatternProblem } from '../patterns/pattern.js';

export type { PatternProblem } from '../patterns/pattern.js';

/**
 * Patterns run over every packet's payload, so the checker admits exactly
 * what the runtime can run in time linear in the payload: it compiles each
 * pattern with the runtime's own compiler (src/patterns/) and reports why
 * one is refused. The runtime compiles again what it loads, with the same
 * code, so an artifact cannot carry in what the checker would refuse.
 */
export function checkPattern(source: string, flags: string): PatternProblem | undefined {
  return compileCheck(source, flags);
}

/**
 * Where in the policy a problem lies: the offending part of the /pattern/
 * literal at `span` when the problem names one, else the whole literal.
 * The literal's text is `/`, the source with each `/` written `\/`, `/`.
 */
export function problemSpan(span: Span, source: string, p: PatternProblem): Span {
  if (p.length <= 0 || p.length >= source.length) return span;
  const raw = (o: number) => o + (source.slice(0, o).match(/\//g)?.length ?? 0);
  const start = span.start + 1 + raw(p.offset);
  const end = span.start + 1 + raw(p.offset + p.length);
  return end <= span.end ? { file: span.file, start, end } : span;
}
