import { checkPolicyFile } from '../../src/check/check.js';

/** A one-rule policy around a filter expression, checked in memory. */
export function policyFor(exprs: string[], extra = '') {
  const text = [
    'policy "t"',
    'tap t { source pcap "a.pcap" }',
    'tap u { source pcap "b.pcap" }',
    'group g { tool o { output pcap "o.pcap" } }',
    extra,
    ...exprs.map((e, i) => `rule r${i} match ${e} to g`),
  ].join('\n');
  return checkPolicyFile('/virtual/t.tmes', { read: (p) => (p === '/virtual/t.tmes' ? text : '') });
}
