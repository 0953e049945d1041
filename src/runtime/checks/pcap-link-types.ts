import { statSync } from 'node:fs';
import type { Check } from '../../check/context.js';
import { linkTypeName } from '../../fields/link-type-names.js';
import type { Policy, Tap } from '../../policy/policy.js';
import { headerInterfaces } from '../capture/index.js';
import { linkTypeActions } from './link-type-actions.js';

/**
 * A pcap file holds one link type: a pcap tool that taps of several link
 * types can send to would lose the packets of all but the first (the run
 * counts and warns). File taps declare their link types in their headers,
 * read here; interface and inline taps are known only once they capture, so
 * a tool that mixes them with file taps is told so (taps on switch ports
 * alone are left in peace: they are Ethernet in practice).
 * Files that cannot be read now (a policy checked away from its captures)
 * are left out: the run reports them.
 */
export const pcapLinkTypes: Check = {
  codes: ['TMES0440', 'TMES0441', 'TMES0443'],
  run({ policy, bag, symbols }) {
    if (bag.hasErrors) return;
    const kinds = policy.taps.map(linkTypesOf);
    linkTypeActions(policy, bag, symbols, kinds, (g) => tapsReaching(policy, g));
    for (const g of policy.groups) {
      const reach = tapsReaching(policy, g.index);
      for (const tool of g.tools) {
        if (tool.output.kind !== 'pcap') continue;
        const byType = new Map<number, string[]>();
        const live: string[] = [];
        let known = 0;
        for (const t of reach) {
          const k = kinds[t];
          if (k === 'live') live.push(policy.taps[t].name);
          else if (k.length) {
            known++;
            for (const lt of k) byType.set(lt, [...(byType.get(lt) ?? []), policy.taps[t].name]);
          }
        }
        const decl = symbols.tools.get(tool.name)?.tool;
        const span = decl?.items.find((i) => i.kind === 'Output')?.span ?? tool.span;
        if (byType.size > 1) {
          const from = [...byType].map(([lt, taps]) => `${linkTypeName(lt)} from ${names('tap', taps)}`).join(', ');
          bag.add(
            'TMES0440',
            span,
            `tool '${tool.name}' writes pcap, which holds one link type, but can receive ${from}: packets of all but the first link type it receives would be dropped; write pcapng to keep them`,
          );
        } else if (live.length > 0 && known > 0) {
          const files = byType.size
            ? ` and ${linkTypeName([...byType.keys()][0])} from ${names('tap', byType.values().next().value!)}`
            : '';
          bag.add(
            'TMES0441',
            span,
            `tool '${tool.name}' writes pcap, which holds one link type, and receives from ${names('tap', live)} (link type known only once live)${files}: if they differ, packets of all but the first link type are dropped (tmesc run warns); pcapng keeps every link type`,
          );
        }
      }
    }
  },
};

function names(what: string, list: readonly string[]): string {
  return `${what}${list.length > 1 ? 's' : ''} ${list.join(', ')}`;
}

/** Taps some `to` rule sends to group g. */
function tapsReaching(policy: Policy, g: number): number[] {
  const taps = new Set<number>();
  for (const r of policy.rules) {
    if (r.action !== 'to' || !r.groups.includes(g)) continue;
    if (r.taps === 'any') policy.taps.forEach((_, i) => taps.add(i));
    else for (const t of r.taps) taps.add(t);
  }
  return [...taps].sort((x, y) => x - y);
}

/** The link types a tap's files declare (those readable now), or 'live'. */
function linkTypesOf(tap: Tap): number[] | 'live' {
  if (tap.source.kind !== 'files') return 'live';
  const types = new Set<number>();
  for (const path of tap.source.paths) {
    try {
      // a FIFO would be drained by the look
      if (statSync(path).isFile()) for (const i of headerInterfaces(path)) types.add(i.linkType);
    } catch {
      // missing or unreadable here: the run reports it
    }
  }
  return [...types];
}
