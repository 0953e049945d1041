import { dirname, resolve } from 'node:path';
import { didYouMean } from '../../diagnostics/suggest.js';
import type { Policy } from '../../policy/policy.js';
import type { Explainer, Explanation, RuleRef } from '../explain-packet.js';
import { ruleRef } from '../explain-packet.js';
import { describedItem, frameNumbers, onlyTap, readFrames, type Item } from '../explain.js';
import { UsageError } from '../io.js';
import { SpecError } from '../packet/spec-error.js';

/** A tests file as its schema (schema.ts) admits it. */
export interface TestsFile {
  $schema?: string;
  tap?: string;
  tests: TestCase[];
}
export interface TestCase {
  name: string;
  packet?: string;
  pcap?: string;
  frame?: number | string;
  tap?: string;
  reaches?: string[];
  doesNotReach?: string[];
  reachesOnly?: string[];
  matches?: string[];
}

/** A group or a tool a test names. */
type Target = { kind: 'group'; name: string; index: number } | { kind: 'tool'; name: string; group: number };

/** One packet of a test, checked. */
export interface PacketOutcome {
  /** How the packet was given: the description, or `FILE #N`. */
  input: string;
  /** The packet as built or decoded, in the words of --packet. */
  shown: string;
  failures: string[];
  explanation: Explanation;
}

export interface TestOutcome {
  name: string;
  /** 0-based index in the file, for `$.tests[i]`. */
  index: number;
  status: 'pass' | 'fail' | 'error';
  /** For an error: why the test could not run (a bad description, an unknown name, an unreadable capture). */
  error?: string;
  /** For an error: the member of the tests file at fault (['tests', 3, 'reaches', 1]). */
  errorPath?: (string | number)[];
  /** For a description that is not a packet: the description and the part of it at fault. */
  errorSpec?: { text: string; start: number; end: number };
  packets: PacketOutcome[];
  expected: string;
}

/**
 * Runs each test's packets through the policy as `explain` does (the
 * runtime's decoder, classifier and session balancing) and compares where
 * they go with what the test expects. A test that cannot run (a description
 * that is not a packet, a name the policy lacks) is an error, not a failure.
 */
export function runTests(policy: Policy, explainer: Explainer, file: TestsFile, testsPath: string): TestOutcome[] {
  const base = dirname(resolve(testsPath));
  return file.tests.map((t, index) => {
    const expected = describeExpectation(t);
    const member = (...path: (string | number)[]) => ['tests', index, ...path];
    try {
      const targetsOf = (key: 'reaches' | 'doesNotReach' | 'reachesOnly') =>
        t[key]?.map((n, k) => located(member(key, k), () => target(policy, n)));
      const targets = {
        reaches: targetsOf('reaches') ?? [],
        doesNotReach: targetsOf('doesNotReach') ?? [],
        reachesOnly: targetsOf('reachesOnly'),
      };
      (t.matches ?? []).forEach((r, k) => {
        if (!policy.rules.some((x) => x.name === r))
          throw new TestInputError(member('matches', k), unknown('rule', r, policy.rules));
      });
      const tapName = t.tap ?? file.tap;
      const tapAt = t.tap !== undefined ? member('tap') : ['tap'];
      const defaultTap = tapName !== undefined ? tapNamed(policy, tapName, tapAt) : undefined;
      const items = packetsOf(policy, t, base, defaultTap, member);
      const packets = items.map(({ label, item }) => {
        const explanation = explainer.explain(item.input);
        const shown = 'packet' in item.source ? item.source.built : explanation.decoded;
        return { input: label, shown, explanation, failures: check(policy, explanation, targets, t.matches ?? []) };
      });
      return {
        name: t.name,
        index,
        status: packets.some((p) => p.failures.length) ? 'fail' : 'pass',
        packets,
        expected,
      };
    } catch (e) {
      if (!(e instanceof TestInputError)) throw e;
      const spec = e.original instanceof SpecError ? e.original : undefined;
      return {
        name: t.name,
        index,
        status: 'error',
        error: spec ? spec.reason : e.message,
        errorPath: e.path,
        ...(spec ? { errorSpec: { text: spec.spec, start: spec.start, end: spec.end } } : {}),
        packets: [],
        expected,
      };
    }
  });
}

/** A test that cannot run, at the member of the tests file at fault. */
class TestInputError extends UsageError {
  constructor(
    readonly path: (string | number)[],
    message: string,
    readonly original?: UsageError,
  ) {
    super(message);
  }
}

/** `f`'s usage errors (a name the policy lacks, a bad description, an unreadable capture) placed at `path`. */
function located<T>(path: (string | number)[], f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (!(e instanceof UsageError) || e instanceof TestInputError) throw e;
    throw new TestInputError(path, e.message, e);
  }
}

function packetsOf(
  policy: Policy,
  t: TestCase,
  base: string,
  defaultTap: number | undefined,
  member: (...path: (string | number)[]) => (string | number)[],
): { label: string; item: Item }[] {
  if (t.packet !== undefined)
    return [
      {
        label: t.packet,
        item: located(member('packet'), () => describedItem(policy, t.packet!, undefined, defaultTap)),
      },
    ];
  const file = resolve(base, t.pcap!);
  const numbers = located(member('frame'), () => frameNumbers(String(t.frame)));
  let tap = defaultTap;
  if (tap === undefined) {
    const readers = policy.taps.filter((x) => x.source.kind === 'files' && x.source.paths.includes(file));
    tap =
      readers.length === 1
        ? readers[0].index
        : located(member('pcap'), () => onlyTap(policy, `${t.pcap} came from: give "tap"`));
  }
  const frames = located(member('pcap'), () => readFrames(file, numbers));
  return frames.map((f) => ({
    label: `${t.pcap} #${f.number}`,
    item: { source: { pcap: t.pcap!, frame: f.number }, input: { ...f, tap: tap! } },
  }));
}

function tapNamed(policy: Policy, name: string, path: (string | number)[]): number {
  const i = policy.taps.findIndex((x) => x.name === name);
  if (i < 0)
    throw new TestInputError(
      path,
      `${unknown('tap', name, policy.taps)} (taps: ${policy.taps.map((x) => x.name).join(', ') || 'none'})`,
    );
  return i;
}

function unknown(what: string, name: string, known: readonly { name: string }[]): string {
  const close = didYouMean(
    name,
    known.map((k) => k.name),
  );
  return `the policy has no ${what} '${name}'${close ? `; did you mean '${close}'?` : ''}`;
}

function target(policy: Policy, written: string): Target {
  const m = /^(group|tool):(.*)$/.exec(written);
  const name = m ? m[2] : written;
  const g = policy.groups.findIndex((x) => x.name === name);
  const tool = policy.groups
    .flatMap((gr, gi) => gr.tools.map((x) => ({ name: x.name, group: gi })))
    .find((x) => x.name === name);
  if (m?.[1] === 'group' || (!m && g >= 0)) {
    if (g < 0) throw new UsageError(unknown('group', name, policy.groups));
    if (!m && tool) throw new UsageError(`'${name}' is both a group and a tool: write group:${name} or tool:${name}`);
    return { kind: 'group', name, index: g };
  }
  if (!tool)
    throw new UsageError(
      m
        ? unknown(
            'tool',
            name,
            policy.groups.flatMap((x) => x.tools),
          )
        : `the policy has no group or tool '${name}'${hint(policy, name)}`,
    );
  return { kind: 'tool', name, group: tool.group };
}

function hint(policy: Policy, name: string): string {
  const close = didYouMean(name, [
    ...policy.groups.map((g) => g.name),
    ...policy.groups.flatMap((g) => g.tools.map((t) => t.name)),
  ]);
  return close ? `; did you mean '${close}'?` : '';
}

function reached(e: Explanation, t: Target): boolean {
  return t.kind === 'group' ? e.goesTo.some((g) => g.group === t.name) : e.goesTo.some((g) => g.tool === t.name);
}

/** What went wrong for one packet, each with the rules behind it (file:line). */
function check(
  policy: Policy,
  e: Explanation,
  targets: { reaches: Target[]; doesNotReach: Target[]; reachesOnly?: Target[] },
  matches: string[],
): string[] {
  const out: string[] = [];
  for (const t of targets.reaches)
    if (!reached(e, t)) out.push(`does not reach ${t.kind} ${t.name}: ${whyNot(policy, e, t)}`);
  for (const t of targets.doesNotReach)
    if (reached(e, t)) out.push(`reaches ${t.kind} ${t.name}: ${why(policy, e, t)}`);
  if (targets.reachesOnly) {
    const only = targets.reachesOnly;
    for (const t of only) if (!reached(e, t)) out.push(`does not reach ${t.kind} ${t.name}: ${whyNot(policy, e, t)}`);
    for (const g of e.goesTo) {
      const gi = policy.groups.findIndex((x) => x.name === g.group);
      const allowed = only.some((t) => (t.kind === 'group' ? t.index === gi : t.name === g.tool));
      if (!allowed) {
        const t: Target = { kind: 'group', name: g.group, index: gi };
        out.push(`also reaches group ${g.group} (tool ${g.tool}): ${why(policy, e, t)}`);
      }
    }
  }
  for (const r of matches)
    if (!e.matchingRules.some((m) => m.name === r)) {
      const i = policy.rules.findIndex((x) => x.name === r);
      out.push(`rule ${r} does not match it (${at(ruleRef(policy, i))})`);
    }
  return out;
}

function at(r: RuleRef): string {
  return `${r.file}:${r.line}`;
}

function rulesText(rs: RuleRef[]): string {
  return rs.map((r) => `${r.name} (${r.action} ${r.groups.join(', ')}) at ${at(r)}`).join('; ');
}

/** Why a packet reaches `t`: the matching rules that send it there, or for a tool, the balancing. */
function why(policy: Policy, e: Explanation, t: Target): string {
  const group = t.kind === 'group' ? t.name : policy.groups[t.group].name;
  const senders = e.matchingRules.filter((r) => r.action === 'to' && r.groups.includes(group));
  let s = `sent by ${rulesText(senders)}`;
  if (t.kind === 'tool') {
    const g = e.goesTo.find((x) => x.group === group);
    if (g?.balancedAmong) s += `; group ${group} balances by session among ${g.balancedAmong.join(', ')}`;
  }
  return s;
}

/** Why a packet misses `t`: no rule sending there matched, a drop rule excluded it, or balancing chose another tool. */
function whyNot(policy: Policy, e: Explanation, t: Target): string {
  const group = t.kind === 'group' ? t.name : policy.groups[t.group].name;
  const g = e.goesTo.find((x) => x.group === group);
  if (g && t.kind === 'tool')
    return `group ${group} sends it to tool ${g.tool} (balanced by session among ${g.balancedAmong?.join(', ') ?? g.tool})`;
  const drops = e.matchingRules.filter((r) => r.action === 'drop' && r.groups.includes(group));
  const senders = e.matchingRules.filter((r) => r.action === 'to' && r.groups.includes(group));
  if (senders.length && drops.length) return `${rulesText(senders)} sends it there, but ${rulesText(drops)} drops it`;
  const could = policy.rules
    .map((r, i) => ({ r, i }))
    .filter(({ r }) => r.action === 'to' && r.groups.some((x) => policy.groups[x].name === group))
    .map(({ i }) => ruleRef(policy, i));
  if (!could.length) return `no rule sends anything to group ${group}`;
  return `no rule sending to group ${group} matches it (${rulesText(could.slice(0, 5))}${could.length > 5 ? `, and ${could.length - 5} more` : ''})`;
}

function describeExpectation(t: TestCase): string {
  const parts: string[] = [];
  if (t.reaches?.length) parts.push(`reaches ${t.reaches.join(', ')}`);
  if (t.doesNotReach?.length) parts.push(`does not reach ${t.doesNotReach.join(', ')}`);
  if (t.reachesOnly) parts.push(t.reachesOnly.length ? `reaches only ${t.reachesOnly.join(', ')}` : 'goes nowhere');
  if (t.matches?.length) parts.push(`matches rule${t.matches.length > 1 ? 's' : ''} ${t.matches.join(', ')}`);
  return parts.join('; ');
}
