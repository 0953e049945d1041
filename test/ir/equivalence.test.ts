import fc from 'fast-check';
import { describe, it } from 'vitest';
import { checkAgreement } from './agreement.js';
import { packetArb, policyArb } from './random-policy.js';

describe('optimized graph, -O0 graph and reference interpreter agree', () => {
  it('on random policies and random packets', () => {
    fc.assert(
      fc.property(policyArb, fc.array(packetArb, { minLength: 20, maxLength: 40 }), (policy, packets) =>
        checkAgreement(policy, packets),
      ),
      { numRuns: 300 },
    );
  });
});
