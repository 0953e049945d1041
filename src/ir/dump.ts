import type { Policy } from '../policy/policy.js';
import type { MatchGraph } from './graph.js';

/**
 * Human-readable dumps. The listing is to tmesc what `tcpdump -d` is to BPF:
 * one line per node, each interval with where it leads.
 */
export function fmtValue(field: string, v: number): string {
  if (v < 0) return 'absent';
  if (/ip4(Src|Dst)$/.test(field) && v >= 0) return [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join('.');
  if (/ip6(Src|Dst)\d$/.test(field) && v >= 0) return '0x' + v.toString(16).padStart(8, '0');
  if (/eth(Src|Dst)$/.test(field) && v >= 0)
    return v
      .toString(16)
      .padStart(12, '0')
      .replace(/(..)(?!$)/g, '$1:');
  if (/etherType$/.test(field) && v >= 0) return '0x' + v.toString(16).padStart(4, '0');
  return String(v);
}

export function fmtInterval(field: string, lo: number, hi: number): string {
  if (lo === -1 && hi === -1) return 'absent';
  if (lo === hi) return fmtValue(field, lo);
  if (hi === Infinity) return `${lo === -1 ? 'absent,' : ''}>=${fmtValue(field, Math.max(lo, 0))}`;
  return `${lo === -1 ? 'absent,' : ''}${fmtValue(field, Math.max(lo, 0))}-${fmtValue(field, hi)}`;
}

function target(k: number): string {
  return k >= 0 ? `n${k}` : `L${-1 - k}`;
}

export function listing(g: MatchGraph, policy: Policy): string {
  const out: string[] = [];
  out.push(
    `; match graph: ${g.nodes.length} nodes, ${g.leaves.length} leaves, ${g.segments.length} segment${g.segments.length === 1 ? '' : 's'}${g.optimized ? '' : ' (-O0)'}`,
  );
  out.push(`; segments: ${g.segments.map(target).join(' ')}`);
  g.nodes.forEach((n, i) => {
    const field = g.fields[n.field];
    const arms = n.kids.map((k, j) => {
      const hi = j + 1 < n.cuts.length ? n.cuts[j + 1] - 1 : Infinity;
      return `${fmtInterval(field, n.cuts[j], hi)} -> ${target(k)}`;
    });
    out.push(`n${i}: ${field} [${n.lookup}] ${arms.join('; ')}`);
  });
  g.leaves.forEach((l, i) => {
    const rules = l.rules.map((r) => policy.rules[r].name).join(',') || '-';
    const groups = (g.optimized ? l.groups : l.to).map((x) => policy.groups[x].name).join(',') || 'nothing';
    const drop =
      g.optimized || l.drop.length === 0 ? '' : ` drop ${l.drop.map((x) => policy.groups[x].name).join(',')}`;
    out.push(`L${i}: rules ${rules} => ${groups}${drop}`);
  });
  for (const [i, p] of g.preds.entries()) out.push(`; pred:${i} = ${JSON.stringify(p)}`);
  return out.join('\n') + '\n';
}

export function dot(g: MatchGraph, policy: Policy): string {
  const esc = (s: string) => JSON.stringify(s);
  const out = ['digraph match {', '  rankdir=TB; node [fontname="monospace"];'];
  g.segments.forEach((s, i) => out.push(`  seg${i} [shape=point]; seg${i} -> ${target(s)};`));
  g.nodes.forEach((n, i) => {
    const field = g.fields[n.field];
    out.push(`  n${i} [shape=box, label=${esc(field)}];`);
    // group the intervals leading to the same child into one edge label
    const byKid = new Map<number, string[]>();
    n.kids.forEach((k, j) => {
      const hi = j + 1 < n.cuts.length ? n.cuts[j + 1] - 1 : Infinity;
      byKid.set(k, [...(byKid.get(k) ?? []), fmtInterval(field, n.cuts[j], hi)]);
    });
    for (const [k, labels] of byKid)
      out.push(
        `  n${i} -> ${target(k)} [label=${esc(labels.slice(0, 4).join(' ') + (labels.length > 4 ? ' …' : ''))}];`,
      );
  });
  g.leaves.forEach((l, i) => {
    const groups = l.groups.map((x) => policy.groups[x].name).join(',') || 'nothing';
    out.push(`  L${i} [shape=ellipse, label=${esc(groups)}];`);
  });
  out.push('}');
  return out.join('\n') + '\n';
}
