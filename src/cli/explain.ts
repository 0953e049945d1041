import { ETHERTYPE } from '../fields/ethertype.js';
import { compilePolicy } from '../ir/compile.js';
import { fmtInterval, fmtValue } from '../ir/dump.js';
import { walk } from '../ir/graph.js';
import { evaluatePolicy } from '../policy/evaluate.js';
import type { Predicate } from '../policy/policy.js';
import { EXIT, UsageError, type Io } from './io.js';
import { Rendezvous, weightsOf } from '../runtime/balance/rendezvous.js';
import { sessionHash } from '../runtime/balance/session-hash.js';
import { PacketView } from '../runtime/decode/view.js';
import { FIELDS } from '../fields/fields.js';
import { loadValidPolicy } from './load-policy.js';
import { parsePacketSpec, specField } from './packet-spec.js';

/** tmesc explain: which rules match a described packet, where it goes, and the path through the graph. */
export function explainCommand(path: string, packet: string | undefined, io: Io): number {
  if (!packet)
    throw new UsageError('explain needs --packet "<description>", e.g. --packet "tcp 10.0.0.1:1234 > 10.0.0.2:80"');
  const { policy } = loadValidPolicy(path, io);
  const spec = parsePacketSpec(packet);
  let tap = 0;
  if (spec.tap !== undefined) {
    tap = policy.taps.findIndex((t) => t.name === spec.tap);
    if (tap < 0)
      throw new UsageError(
        `--packet: policy has no tap '${spec.tap}' (taps: ${policy.taps.map((t) => t.name).join(', ')})`,
      );
  }
  const field = (name: string) => (name === 'tap' ? tap : specField(spec, name));
  const unknownPreds: string[] = [];
  const pred = (p: Predicate): boolean => {
    if (p.kind === 'contains')
      return !!spec.payload && spec.payload.indexOf(Buffer.from(p.bytes)) >= 0 && p.scope === 'outer';
    if (p.kind === 'regex')
      return (
        !!spec.payload && p.scope === 'outer' && new RegExp(p.source, p.flags).test(spec.payload.toString('latin1'))
      );
    unknownPreds.push('a byte-offset comparison');
    return false;
  };
  const ref = evaluatePolicy(policy, { field, pred });
  const compiled = compilePolicy(policy);
  const g = compiled.graph;
  const steps: string[] = [];
  const graphPred = (name: string) => pred(g.preds[Number(name.slice(5))]);
  const result = walk(
    g,
    (f) => (g.fields[f].startsWith('pred:') ? (graphPred(g.fields[f]) ? 1 : 0) : field(g.fields[f])),
    (node, interval) => {
      const n = g.nodes[node];
      const name = g.fields[n.field];
      const v = name.startsWith('pred:') ? (graphPred(name) ? 1 : 0) : field(name);
      const hi = interval + 1 < n.cuts.length ? n.cuts[interval + 1] - 1 : Infinity;
      const range = fmtInterval(name, n.cuts[interval], hi);
      steps.push(
        `  n${node}: ${name.startsWith('pred:') ? JSON.stringify(g.preds[Number(name.slice(5))]) : name} = ${fmtValue(name, v)}  (in ${range})`,
      );
    },
  );
  const leaf = g.leaves[result.leaves[0]];
  const out: string[] = [];
  out.push(`packet: ${packet}`);
  out.push(`tap: ${policy.taps[tap]?.name ?? '(none)'}`);
  out.push(
    `matching rules: ${ref.rules.length ? ref.rules.map((r) => `${policy.rules[r].name} (${policy.rules[r].action} ${policy.rules[r].groups.map((x) => policy.groups[x].name).join(', ')})`).join('; ') : 'none'}`,
  );
  if (ref.groups.length === 0) out.push('goes to: nothing (no group receives this packet)');
  // the tool a balanced group would choose: the runtime's own session hash and rendezvous choice
  const view = new PacketView();
  for (const f of FIELDS) {
    (view as unknown as Record<string, number>)[f.name] = field(f.name);
    if (f.name !== 'tap') (view.inner as unknown as Record<string, number>)[f.name] = field(`inner.${f.name}`);
  }
  view.ipVersion = view.etherType === ETHERTYPE.IPV4 ? 4 : view.etherType === ETHERTYPE.IPV6 ? 6 : 0;
  view.inner.ipVersion = view.inner.etherType === ETHERTYPE.IPV4 ? 4 : view.inner.etherType === ETHERTYPE.IPV6 ? 6 : 0;
  for (const gi of ref.groups) {
    const gr = policy.groups[gi];
    if (gr.tools.length <= 1) {
      out.push(`goes to: group ${gr.name} -> tool ${gr.tools[0]?.name ?? '(none)'}`);
      continue;
    }
    const weights = weightsOf(gr.tools.map((t) => t.rateBps));
    const pick = new Rendezvous(gr.tools.map((t, i) => ({ name: t.name, weight: weights[i] }))).pick(
      sessionHash(view, gr.balance.inner),
    );
    out.push(
      `goes to: group ${gr.name} -> tool ${gr.tools[pick].name} (balanced by session among ${gr.tools.map((t) => t.name).join(', ')}; both directions go there)`,
    );
  }
  out.push(`path through the match graph (${g.nodes.length} nodes):`);
  out.push(
    ...steps,
    `  leaf L${result.leaves[0]}: rules ${leaf.rules.map((r) => policy.rules[r].name).join(', ') || '-'} => ${leaf.groups.map((x) => policy.groups[x].name).join(', ') || 'nothing'}`,
  );
  if (unknownPreds.length)
    out.push(
      `note: ${[...new Set(unknownPreds)].join(', ')} cannot be decided from a description and was taken as false`,
    );
  if (JSON.stringify(result.groups) !== JSON.stringify(ref.groups))
    out.push('WARNING: the graph and the reference interpreter disagree; please report this policy and packet');
  io.out(out.join('\n') + '\n');
  return EXIT.ok;
}
