import { renderStatsText } from '../stats/stats.js';
import type { LiveRunStats } from './run-live.js';

/** The end-of-run summary of a live run: the usual one, then capture, tools and engine stages. */
export function renderLiveText(s: LiveRunStats): string {
  const out: string[] = [renderStatsText(s).trimEnd()];
  out.push(`  live capture (${s.live.workers} worker${s.live.workers === 1 ? '' : 's'}):`);
  for (const t of s.live.taps) {
    const parts = [
      `${t.captured} captured`,
      `${t.ringFull} dropped by tmesc (workers' rings full)`,
      `${t.ifDrops} dropped by the interface${t.ports.length > 1 ? 's' : ''}`,
      `kernel drops ${t.kernelDrops ?? 'not reported (cap 0.2.1 has no pcap_stats)'}`,
    ];
    if (t.ports.length > 1) parts.push(`${t.bridged} bridged, ${t.bridgeErrors} bridge send errors`);
    out.push(`    tap ${t.name} (${t.ports.join(' <-> ')}): ${parts.join(', ')}`);
  }
  for (const t of s.live.tools)
    out.push(
      `    tool ${t.name} (${t.iface}): ${t.sent} sent, ${t.sendErrors} send errors, link ${t.up ? 'up' : 'down'}${t.downs ? `, went down ${t.downs} time${t.downs === 1 ? '' : 's'}` : ''}`,
    );
  for (const g of s.groups)
    if (g.failover) out.push(`    group ${g.name}: ${g.failover} packets went to another tool while theirs was down`);
  return out.join('\n') + '\n';
}

/** One line of interval stats. */
export function intervalLine(s: LiveRunStats): string {
  const captured = s.live.taps.reduce((a, t) => a + t.captured, 0);
  const ringFull = s.live.taps.reduce((a, t) => a + t.ringFull, 0);
  const ifDrops = s.live.taps.reduce((a, t) => a + t.ifDrops, 0);
  const delivered = s.groups.reduce((a, g) => a + g.delivered, 0);
  const dropped = s.groups.reduce((a, g) => a + Object.values(g.dropped).reduce((x, y) => x + y, 0), 0);
  return `${s.seconds.toFixed(1)} s: ${captured} captured, ${s.packetsRead} processed, ${delivered} delivered, ${dropped} dropped by policy or outputs, ${ringFull} dropped by tmesc, ${ifDrops} interface drops`;
}
