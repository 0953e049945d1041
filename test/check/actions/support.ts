import type { GroupActions, Group } from '../../../src/policy/policy.js';
import { checkText } from '../support/check-text.js';

/** Builds a one-group policy with `items` in the group; what the handlers made of them, and the codes reported. */
export function group(...items: string[]): { actions: GroupActions; balance: Group['balance']; codes: string[] } {
  const text = [
    'policy "p"',
    'define pattern SSN = /ssn=[0-9]{3}/',
    'tap t { source pcap "a.pcap" }',
    'group g {',
    '  tool o { output pcap "o.pcap"; rate 1 Gbps }',
    ...items.map((i) => '  ' + i),
    '}',
    'rule r from t match tcp or payload matches SSN to g',
  ].join('\n');
  const { found, result } = checkText(text);
  const g = result.policy.groups[0];
  return {
    actions: g.actions,
    balance: g.balance,
    codes: found.filter((f) => f.code !== 'TMES0900').map((f) => `${f.code} ${f.at}`),
  };
}
