import { loadTest } from '../ir/loads.js';
import { type PFilter, type Policy, type Predicate, predicateKey } from '../policy/policy.js';
import { hostOnly, switchField } from './switch-fields.js';

/** Each node of a filter once (filters are DAGs: definitions are shared). */
function nodesOf(f: PFilter): PFilter[] {
  const out: PFilter[] = [];
  const seen = new Set<PFilter>();
  const stack = [f];
  while (stack.length) {
    const x = stack.pop()!;
    if (seen.has(x)) continue;
    seen.add(x);
    out.push(x);
    if (x.t === 'not') stack.push(x.arg);
    else if (x.t === 'and' || x.t === 'or') stack.push(...x.args);
  }
  return out;
}

/**
 * The rules whose filters test a graph field (`dstPort`, `inner.ip4Src`,
 * `load:outer:ip:20:2`, or `pred:N` with the graph's predicate N): the
 * report names them where the switch hands packets to the host.
 */
export function rulesTesting(policy: Policy, field: string, preds: readonly Predicate[]): number[] {
  const pred = /^pred:(\d+)$/.exec(field);
  const key = pred ? predicateKey(preds[Number(pred[1])]) : undefined;
  const tests = (x: PFilter): boolean =>
    x.t === 'test'
      ? x.field === field
      : x.t === 'pred' && (key !== undefined ? predicateKey(x.pred) === key : loadTest(x.pred)?.field === field);
  return policy.rules.filter((r) => nodesOf(r.filter).some(tests)).map((r) => r.index);
}

/** What a predicate tests, in the policy's words. */
function describePredicate(p: Predicate): string {
  switch (p.kind) {
    case 'contains':
      return `${p.scope === 'inner' ? 'inner ' : ''}payload contains`;
    case 'regex':
      return `${p.scope === 'inner' ? 'inner ' : ''}payload matches /${p.source}/`;
    case 'relation':
      return 'arithmetic on packet bytes or the length';
    case 'protochain':
      return `${p.scope === 'inner' ? 'inner ' : ''}protochain ${p.proto}`;
  }
}

/**
 * Per rule, the tests of its filter no switch can do (payload content, the
 * packet length, byte loads that are no header field Open vSwitch parses):
 * the groups of such a rule are decided on the host.
 */
export function untestable(policy: Policy): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const r of policy.rules) {
    const found = new Set<string>();
    for (const x of nodesOf(r.filter)) {
      if (x.t === 'test') {
        const why = hostOnly(switchField(x.field));
        if (why) found.add(why);
      } else if (x.t === 'pred') {
        const load = loadTest(x.pred);
        if (!load) found.add(describePredicate(x.pred));
        else {
          const why = hostOnly(switchField(load.field));
          if (why) found.add(why);
        }
      }
    }
    if (found.size) out.set(r.index, [...found]);
  }
  return out;
}
