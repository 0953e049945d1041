import { renderStatsText } from '../stats/stats.js';
import type { LiveRunStats } from './run-live.js';

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The end-of-run summary of a live run: the usual one, then capture, tools and engine stages. */
export function renderLiveText(s: LiveRunStats): string {
  const out: string[] = [renderStatsText(s).trimEnd()];
  out.push(`  live capture (${plural(s.live.workers, 'worker')}):`);
  for (const t of s.live.taps) {
    const kernel =
      t.kernelDrops === null
        ? `kernel drops unknown${t.kernelNote ? ` (${t.kernelNote})` : ''}`
        : `${t.kernelDrops} dropped by the kernel (capture buffer full; ${t.kernelReceived} passed the filter)`;
    const parts = [
      `${t.captured} captured`,
      kernel,
      `${t.ifDrops} dropped by the interface${t.ports.length > 1 ? 's' : ''}`,
      `${t.behind + t.ringFull} dropped by tmesc (could not keep up)`,
    ];
    if (t.unreadAtStop) parts.push(`${t.unreadAtStop} left in the kernel's buffer at stop`);
    if (t.ports.length > 1) parts.push(`${t.bridged} bridged, ${t.bridgeErrors} bridge send errors`);
    if (t.restarts)
      parts.push(
        `capture restarted ${plural(t.restarts, 'time')} after its interface went down (frames meanwhile not seen)`,
      );
    out.push(`    tap ${t.name} (${t.ports.join(' <-> ')}): ${parts.join(', ')}`);
  }
  for (const t of s.live.tools) {
    const parts = [`${t.sent} sent`, `${t.sendErrors} send errors`];
    if (t.lostDown) parts.push(`${t.lostDown} lost with its link`);
    if (t.behind) parts.push(`${t.behind} dropped by tmesc (could not keep up)`);
    parts.push(`link ${t.up ? 'up' : 'down'}${t.downs ? `, went down ${plural(t.downs, 'time')}` : ''}`);
    out.push(`    tool ${t.name} (${t.iface}): ${parts.join(', ')}`);
  }
  for (const g of s.groups)
    if (g.failover) out.push(`    group ${g.name}: ${g.failover} packets went to another tool while theirs was down`);
  const busy = new Map<string, { calls: number; packets: number; ns: number }>();
  for (const st of s.live.stages) {
    const b = busy.get(st.stage) ?? { calls: 0, packets: 0, ns: 0 };
    b.calls += st.calls;
    b.packets += st.packets;
    b.ns += st.ns;
    busy.set(st.stage, b);
  }
  for (const [stage, b] of busy)
    out.push(
      `    stage ${stage}: ${b.calls} calls, ${b.packets} ${stage === 'timers' ? 'timers fired' : 'packets'}, ${(b.ns / 1e6).toFixed(1)} ms`,
    );
  return out.join('\n') + '\n';
}

/** One line of interval stats. */
export function intervalLine(s: LiveRunStats): string {
  const sum = (f: (t: LiveRunStats['live']['taps'][number]) => number | null) =>
    s.live.taps.reduce((a, t) => a + (f(t) ?? 0), 0);
  const delivered = s.groups.reduce((a, g) => a + g.delivered, 0);
  const dropped = s.groups.reduce((a, g) => a + Object.values(g.dropped).reduce((x, y) => x + y, 0), 0);
  const kernel = s.live.taps.some((t) => t.kernelDrops === null)
    ? 'kernel drops unknown'
    : `${sum((t) => t.kernelDrops)} kernel drops`;
  return `${s.seconds.toFixed(1)} s: ${sum((t) => t.captured)} captured, ${s.packetsRead} processed, ${delivered} delivered, ${dropped} dropped by policy or outputs, ${sum((t) => t.behind + t.ringFull)} dropped by tmesc, ${kernel}, ${sum((t) => t.ifDrops)} interface drops`;
}
