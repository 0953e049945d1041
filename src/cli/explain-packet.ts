import type { Artifact } from '../artifact/types.js';
import { locate } from '../diagnostics/diagnostic.js';
import { ABSENT, FIELDS } from '../fields/fields.js';
import type { Compiled } from '../ir/compile.js';
import { fmtInterval, fmtValue } from '../ir/dump.js';
import { walk } from '../ir/graph.js';
import { evaluatePolicy } from '../policy/evaluate.js';
import type { Policy, Predicate } from '../policy/policy.js';
import { Rendezvous, weightsOf } from '../runtime/balance/rendezvous.js';
import { sessionHash } from '../runtime/balance/session-hash.js';
import { createClassifier, type Classifier } from '../runtime/classify/classifier.js';
import { buildPredicate, type PredicateFn } from '../runtime/classify/predicates.js';
import { decodeFrame } from '../runtime/decode/decode.js';
import { reasonName } from '../runtime/decode/malformed.js';
import { PacketView } from '../runtime/decode/view.js';
import { formatPacket } from './packet/format.js';
import { packetFromFields } from './packet/from-fields.js';

/** A frame to explain: built from a description, or read from a capture. */
export interface FrameInput {
  data: Uint8Array;
  capLen: number;
  wireLen: number;
  linkType: number;
  /** Index of the tap it came from, ABSENT when the policy has no taps. */
  tap: number;
}

/** Where a rule is written. */
export interface RuleRef {
  name: string;
  action: 'to' | 'drop';
  groups: string[];
  file: string;
  line: number;
  column: number;
}

/** What explain says about one packet, as data (the JSON format writes it as it is). */
export interface Explanation {
  tap: string | null;
  /** The packet as the decoder read it, in the words of --packet. */
  decoded: string;
  /** The frame: its link type (LINKTYPE_*), lengths, and captured bytes in hex. */
  frame: { linkType: number; wireLen: number; capLen: number; hex: string };
  /** The decoder's reason when the frame is malformed (it is classified on what could be decoded, as run does). */
  malformed: string | null;
  /** Every field the decoder set, outer and `inner.*`. */
  fields: Record<string, number>;
  matchingRules: RuleRef[];
  goesTo: { group: string; tool: string; balancedAmong?: string[] }[];
  /** What the tap does to every packet it delivers. */
  marks: string[];
  path: { node: number; field: string; value: string; interval: string }[];
  leaf: { index: number; rules: string[]; groups: string[] };
  notes: string[];
}

export function ruleRef(policy: Policy, r: number): RuleRef {
  const rule = policy.rules[r];
  const at = locate({ code: '', severity: 'info', message: '', span: rule.span });
  return {
    name: rule.name,
    action: rule.action,
    groups: rule.groups.map((g) => policy.groups[g].name),
    file: at.file,
    line: at.line,
    column: at.column,
  };
}

/**
 * Explains packets against one compiled policy, the way `run` handles them:
 * the runtime's decoder reads the frame, the runtime's classifier (generated
 * from the same graph, with the runtime's payload tests) says where it goes,
 * and the runtime's session hash picks the tool of a balanced group. The
 * reference interpreter lists the matching rules and is checked against the
 * graph, and the graph is walked to show the path.
 */
export class Explainer {
  private readonly classifier: Classifier;
  private readonly preds = new Map<Predicate, PredicateFn>();
  private readonly balancers: (Rendezvous | undefined)[];

  constructor(
    private readonly policy: Policy,
    private readonly compiled: Compiled,
    artifact: Artifact,
  ) {
    this.classifier = createClassifier(artifact.graph);
    this.balancers = policy.groups.map((gr) => {
      if (gr.tools.length <= 1) return undefined;
      const weights = weightsOf(gr.tools.map((t) => t.rateBps));
      return new Rendezvous(gr.tools.map((t, i) => ({ name: t.name, weight: weights[i] })));
    });
  }

  private pred(p: Predicate): PredicateFn {
    let f = this.preds.get(p);
    if (!f) this.preds.set(p, (f = buildPredicate(p)));
    return f;
  }

  explain(input: FrameInput): Explanation {
    const { policy } = this;
    const g = this.compiled.graph;
    const view = new PacketView();
    view.tap = input.tap;
    decodeFrame(view, input.data, input.capLen, input.wireLen, input.linkType);
    const data = input.data;
    const field = (name: string): number =>
      name.startsWith('inner.')
        ? ((view.inner as unknown as Record<string, number>)[name.slice(6)] ?? ABSENT)
        : ((view as unknown as Record<string, number>)[name] ?? ABSENT);
    const predValue = (p: Predicate): number => this.pred(p)(view, data);
    const ref = evaluatePolicy(policy, { field, pred: (p) => predValue(p) === 1 });

    const value = (f: number): number => {
      const name = g.fields[f];
      return name.startsWith('pred:') ? predValue(g.preds[Number(name.slice(5))]) : field(name);
    };
    const path: Explanation['path'] = [];
    const walked = walk(g, value, (node, interval) => {
      const n = g.nodes[node];
      const name = g.fields[n.field];
      const hi = interval + 1 < n.cuts.length ? n.cuts[interval + 1] - 1 : Infinity;
      const isPred = name.startsWith('pred:');
      path.push({
        node,
        field: isPred ? JSON.stringify(g.preds[Number(name.slice(5))]) : name,
        value: isPred ? String(value(n.field)) : fmtValue(name, value(n.field)),
        interval: fmtInterval(name, n.cuts[interval], hi),
      });
    });
    const result = this.classifier.results[this.classifier.classify(view, data)];

    const notes: string[] = [];
    const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((x, i) => x === b[i]);
    if (!same(walked.groups, ref.groups) || !same(result.groups, ref.groups))
      notes.push('WARNING: the graph and the reference interpreter disagree; please report this policy and packet');

    const goesTo = result.groups.map((gi) => {
      const gr = policy.groups[gi];
      const bal = this.balancers[gi];
      if (!bal) return { group: gr.name, tool: gr.tools[0]?.name ?? '(none)' };
      const pick = bal.pick(sessionHash(view, gr.balance.inner));
      return { group: gr.name, tool: gr.tools[pick].name, balancedAmong: gr.tools.map((t) => t.name) };
    });
    const tap = input.tap >= 0 ? policy.taps[input.tap] : undefined;
    const marks = (tap?.marks ?? []).map((m) =>
      m.kind === 'vlan' ? `vlan ${m.id}${m.priority ? ` priority ${m.priority}` : ''} pushed` : 'comment',
    );
    const fields: Record<string, number> = {};
    for (const f of FIELDS) if (field(f.name) !== ABSENT) fields[f.name] = field(f.name);
    for (const f of FIELDS)
      if (f.name !== 'tap' && field(`inner.${f.name}`) !== ABSENT) fields[`inner.${f.name}`] = field(`inner.${f.name}`);
    const leafIndex = walked.leaves[0];
    const leaf = g.leaves[leafIndex];
    return {
      tap: tap?.name ?? null,
      decoded: formatPacket(packetFromFields(field)),
      frame: {
        linkType: input.linkType,
        wireLen: input.wireLen,
        capLen: input.capLen,
        hex: Buffer.from(data.buffer, data.byteOffset, input.capLen).toString('hex'),
      },
      malformed: view.malformed ? (reasonName(view.malformedReason) ?? 'malformed') : null,
      fields,
      matchingRules: ref.rules.map((r) => ruleRef(policy, r)),
      goesTo,
      marks,
      path,
      leaf: {
        index: leafIndex,
        rules: leaf.rules.map((r) => policy.rules[r].name),
        groups: leaf.groups.map((x) => policy.groups[x].name),
      },
      notes,
    };
  }
}
