import { describe, expect, it } from 'vitest';
import { notRunYet } from '../../../src/check/checks/not-run-yet.js';
import { PENDING_ACTIONS } from '../../../src/policy/pending-actions.js';
import { ACTIONS } from '../../../src/runtime/actions/registry.js';
import { checkText } from '../support/check-text.js';

const policy = (...items: string[]) =>
  [
    'policy "p"',
    'tap t { source pcap "a.pcap" }',
    `group g { tool o { output pcap "o.pcap"; rate 1 Gbps }`,
    ...items,
    '}',
    'rule r from t match tcp to g',
  ].join('\n');

describe('not-run-yet (TMES0900)', () => {
  it('declares what it reports', () => expect(notRunYet.codes).toEqual(['TMES0900']));

  it('has nothing to say while run performs every action (it warns again for one that lands in parts)', () => {
    expect(PENDING_ACTIONS).toEqual([]);
    const found = checkText(policy('strip vlan', 'mask card-number', 'dedup', 'shape burst 64 KB')).found;
    expect(found.map((f) => `${f.code} ${f.at}`)).toEqual([]);
  });

  it('covers exactly the actions of the shared list the runtime refuses by', () => {
    // the policy's action keys by the runtime step that performs each: pending exactly where the runtime has no module
    const steps = {
      strip: 'strip',
      masks: 'mask',
      replaces: 'replace',
      truncate: 'truncate',
      timestamp: 'timestamp',
      shape: 'shape',
    } as const;
    const missing = Object.entries(steps)
      .filter(([, step]) => !ACTIONS[step])
      .map(([key]) => key);
    expect([...PENDING_ACTIONS].sort()).toEqual(missing.sort());
    const found = checkText(
      policy(
        'strip vlan',
        'mask card-number',
        'replace /a/ with "b"',
        'truncate frame 64',
        'timestamp ip-option',
        'shape burst 64 KB',
      ),
    ).found;
    expect(found.filter((f) => f.code === 'TMES0900')).toHaveLength(PENDING_ACTIONS.length);
  });

  it('says nothing of an action that had nothing valid to perform (its error says enough)', () => {
    const found = checkText(policy('strip vlna')).found;
    expect(found.map((f) => f.code)).toEqual(['TMES0308']);
  });

  it('is quiet for the actions run performs', () => {
    expect(
      checkText(policy('balance session', 'dedup window 1 ms', 'mask card-number', 'replace /a/ with "b"')).found,
    ).toEqual([]);
  });
});
