import { ETHER_TYPES, ICMP_TYPES, IP_PROTOCOLS, PCAP_CONSTANTS, SERVICES, TCP_FLAGS } from '../../check/names.js';
import { DURATION_UNITS, RATE_UNITS, SIZE_UNITS } from '../../check/units.js';
import { CODES } from '../../diagnostics/codes.js';
import type { MatchGraph } from '../../ir/graph.js';
import type { Policy } from '../../policy/policy.js';
import type * as A from '../../syntax/ast.js';
import type { Declaration, PolicyIndex } from './policy-index.js';

const n = (x: number) => x.toLocaleString('en-US');

/** A rate, size or duration in words a reader checks at a glance. */
export function readableQuantity(amount: number, unit: string | undefined, sizeByDefault = false): string | undefined {
  if (unit !== undefined && RATE_UNITS[unit] !== undefined) {
    const bps = amount * RATE_UNITS[unit];
    return `${amount} ${unit} = ${n(bps)} bits per second (${n(bps / 8)} bytes per second)`;
  }
  if ((unit === undefined && sizeByDefault) || (unit !== undefined && SIZE_UNITS[unit] !== undefined)) {
    const bytes = amount * (unit === undefined ? 1 : SIZE_UNITS[unit]);
    const kib =
      bytes >= 1024
        ? ` (${bytes >= 1024 ** 2 ? `${+(bytes / 1024 ** 2).toFixed(2)} MiB` : `${+(bytes / 1024).toFixed(2)} KiB`})`
        : '';
    return `${amount}${unit ? ` ${unit}` : ''} = ${n(bytes)} bytes${kib}`;
  }
  if (unit !== undefined && DURATION_UNITS[unit] !== undefined) {
    const ns = amount * DURATION_UNITS[unit];
    const s = ns / 1e9;
    return `${amount} ${unit} = ${n(ns)} ns (${s >= 1 ? `${s} s` : s >= 1e-3 ? `${+(s * 1e3).toFixed(3)} ms` : `${+(s * 1e6).toFixed(3)} µs`})`;
  }
  return undefined;
}

/** The innermost quantity (number and unit) at an offset, found without recursion. */
export function quantityAt(ast: A.PolicyFile, offset: number): { q: A.Quantity; parent?: string } | undefined {
  const stack: { node: unknown; parent?: string }[] = [{ node: ast }];
  let found: { q: A.Quantity; parent?: string } | undefined;
  while (stack.length) {
    const { node, parent } = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (Array.isArray(node)) {
      for (const x of node) stack.push({ node: x, parent });
      continue;
    }
    const o = node as { kind?: string; span?: { start: number; end: number } };
    if (o.span && (offset < o.span.start || offset > o.span.end) && o.kind !== 'File') continue;
    if (o.kind === 'Quantity') found = { q: node as A.Quantity, parent };
    for (const [k, v] of Object.entries(node)) {
      if (k === 'span' || k === 'file' || k.endsWith('Span') || k.endsWith('Spans')) continue;
      if (typeof v === 'object' && v !== null) stack.push({ node: v, parent: o.kind ?? parent });
    }
  }
  return found;
}

/** A diagnostic code or name, as docs/diagnostics.md describes it. */
export function describeCode(word: string): string | undefined {
  const c = CODES.get(word) ?? [...CODES.values()].find((x) => x.name === word);
  return c ? `**${c.code}** \`${c.name}\` (${c.severity}): ${c.title}\n\n${c.help}` : undefined;
}

/** What a built-in word stands for. */
export function builtinWord(word: string): string | undefined {
  const parts: string[] = [];
  if (SERVICES[word] !== undefined) parts.push(`service: port ${SERVICES[word]}`);
  if (IP_PROTOCOLS[word] !== undefined) parts.push(`IP protocol ${IP_PROTOCOLS[word]}`);
  if (ETHER_TYPES[word] !== undefined) parts.push(`EtherType 0x${ETHER_TYPES[word].toString(16).padStart(4, '0')}`);
  if (TCP_FLAGS[word] !== undefined) parts.push(`TCP flag (bit value ${TCP_FLAGS[word]})`);
  if (ICMP_TYPES[word] !== undefined) parts.push(`ICMP type ${ICMP_TYPES[word]}`);
  if (PCAP_CONSTANTS[word] !== undefined) parts.push(`pcap constant ${PCAP_CONSTANTS[word]}`);
  return parts.length ? `\`${word}\`: ${parts.join('; ')}` : undefined;
}

function sourceOf(index: PolicyIndex, d: Declaration, maxLines = 12): string {
  const text = index.sources.get(d.file)?.text ?? '';
  const lines = text.slice(d.node.span.start, d.node.span.end).split(/\r?\n/);
  const shown = lines.length > maxLines ? [...lines.slice(0, maxLines), '…'] : lines;
  return '```tmes\n' + shown.join('\n') + '\n```';
}

function where(index: PolicyIndex, file: string, offset: number, rel: (abs: string) => string): string {
  const src = index.sources.get(file);
  return `${rel(file)}:${src ? src.position(offset).line : 1}`;
}

/**
 * Where a rule's packets really go: over the leaves of the match graph where
 * the rule matches, the groups it sends to that they reach, and those a drop
 * rule takes them from (for a drop rule: the groups it takes packets from).
 */
export function ruleReach(policy: Policy, graph: MatchGraph, r: number): string[] {
  const rule = policy.rules[r];
  const leaves = graph.leaves.filter((l) => l.rules.includes(r));
  const name = (g: number) => policy.groups[g].name;
  if (!graph.ruleLevel) return ['(the policy is too large for per-rule analysis)'];
  if (!leaves.length) return ['matches no packet (see the TMES0700 finding)'];
  if (rule.action === 'drop') {
    const taken = new Set<number>();
    for (const l of leaves) for (const g of rule.groups) if (l.to.includes(g)) taken.add(g);
    return taken.size
      ? [`takes packets from: ${[...taken].map(name).join(', ')}`]
      : ['takes no packet from any group (see the TMES0702 finding)'];
  }
  const reached = new Set<number>();
  const droppedBy = new Map<number, Set<string>>();
  for (const l of leaves)
    for (const g of rule.groups) {
      if (l.groups.includes(g)) reached.add(g);
      else
        for (const d of l.rules)
          if (policy.rules[d].action === 'drop' && policy.rules[d].groups.includes(g))
            droppedBy.set(g, (droppedBy.get(g) ?? new Set()).add(policy.rules[d].name));
    }
  const out: string[] = [];
  for (const g of rule.groups) {
    const gr = policy.groups[g];
    const tools = gr.tools.map((t) => t.name).join(', ');
    const balanced = gr.tools.length > 1 ? `, balanced by session among ${tools}` : ` (tool ${tools})`;
    const drops = droppedBy.get(g);
    if (!reached.has(g)) out.push(`never reaches ${gr.name}: dropped by ${[...(drops ?? [])].join(', ')}`);
    else if (drops) out.push(`reaches ${gr.name}${balanced}, except what ${[...drops].join(', ')} drops`);
    else out.push(`reaches ${gr.name}${balanced}`);
  }
  return out;
}

export interface HoverContext {
  index: PolicyIndex;
  policy?: Policy;
  graph?: MatchGraph;
  rel: (abs: string) => string;
}

/** Markdown for a declaration: its text, where it is, and what it means (reach, rates, users). */
export function describeDeclaration(ctx: HoverContext, d: Declaration): string {
  const { index, policy, graph, rel } = ctx;
  const out = [
    sourceOf(index, d),
    `${d.ns === 'define' ? 'definition' : d.ns} \`${d.name}\`, ${where(index, d.file, d.start, rel)}`,
  ];
  if (d.ns === 'tool' && policy) {
    const tool = policy.groups.flatMap((g) => g.tools.map((t) => ({ t, g }))).find((x) => x.t.name === d.name);
    if (tool) {
      out.push(`in group \`${tool.g.name}\`; output ${tool.t.output.kind} \`${tool.t.output.target}\``);
      if (tool.t.rateBps !== undefined) out.push(`rate: ${n(tool.t.rateBps)} bits per second`);
    }
  }
  if (d.ns === 'group' && policy) {
    const g = policy.groups.find((x) => x.name === d.name);
    if (g) {
      const senders = policy.rules.filter((r) => r.action === 'to' && r.groups.includes(g.index)).map((r) => r.name);
      const droppers = policy.rules.filter((r) => r.action === 'drop' && r.groups.includes(g.index)).map((r) => r.name);
      out.push(`tools: ${g.tools.map((t) => (t.rateBps ? `${t.name} (${n(t.rateBps)} bit/s)` : t.name)).join(', ')}`);
      out.push(
        `sent to by: ${senders.join(', ') || 'no rule'}${droppers.length ? `; dropped from by: ${droppers.join(', ')}` : ''}`,
      );
    }
  }
  if (d.ns === 'tap' && policy) {
    const t = policy.taps.find((x) => x.name === d.name);
    const users = policy.rules.filter((r) => r.taps === 'any' || (t && r.taps.includes(t.index))).map((r) => r.name);
    out.push(`rules taking its traffic: ${users.join(', ') || 'none'}`);
  }
  if (d.ns === 'rule' && policy && graph) {
    const r = policy.rules.findIndex((x) => x.name === d.name);
    if (r >= 0)
      out.push(
        'effective traffic:\n' +
          ruleReach(policy, graph, r)
            .map((l) => `- ${l}`)
            .join('\n'),
      );
  }
  return out.join('\n\n');
}
