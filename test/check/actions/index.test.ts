import { describe, expect, it } from 'vitest';
import { ACTIONS } from '../../../src/check/actions/index.js';
import { ACTION_KEYWORDS } from '../../../src/policy/pending-actions.js';

describe('action handlers', () => {
  it('one per action kind, each naming the keyword it is written with', () => {
    for (const [kind, h] of Object.entries(ACTIONS)) {
      expect(h.kind).toBe(kind);
      if (h.policyKey) expect(ACTION_KEYWORDS[h.policyKey]).toBe(h.keyword);
    }
    expect(Object.values(ACTIONS).map((h) => h.keyword)).toEqual([
      'balance',
      'shape',
      'strip',
      'mask',
      'replace',
      'truncate',
      'timestamp',
      'dedup',
    ]);
  });
});
