import { checkPattern } from '../patterns/pattern.js';
import type { Artifact } from './types.js';

/**
 * An artifact is only data, but its patterns are run on every packet: each
 * is compiled here as the checker compiles it (src/patterns/), and one the
 * checker would refuse (a backreference, a pattern too large, one that does
 * not parse) refuses the whole artifact, naming the pattern and the reason.
 * So neither an edited artifact nor a planted cache entry brings in what
 * validate would not let through.
 */
export function patternProblems(art: Artifact): string[] {
  const out: string[] = [];
  const check = (where: string, source: string | undefined, flags: string | undefined) => {
    const p = checkPattern(source ?? '', flags ?? '');
    if (!p) return;
    const shown = (source ?? '').length > 60 ? `${(source ?? '').slice(0, 60)}...` : (source ?? '');
    out.push(`${where}: pattern /${shown}/${flags ?? ''} is refused (${p.code}): ${p.message}`);
  };
  (art.graph.preds ?? []).forEach((p, i) => {
    if (p.kind === 'regex') check(`payload test ${i} of the graph`, p.source, p.flags);
  });
  for (const g of art.groups) {
    for (const m of g.actions.masks) if (m.kind === 'regex') check(`group ${g.name}, mask`, m.source, m.flags);
    for (const r of g.actions.replaces) check(`group ${g.name}, replace`, r.source, r.flags);
  }
  return out;
}
