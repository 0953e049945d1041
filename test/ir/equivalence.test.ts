import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkAgreement, checkSegmented, shapesSeen } from './agreement.js';
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

describe('a graph shaped for scale (segments, group leaves, counting tables) agrees with the reference interpreter', () => {
  it('on random policies and random packets: groups, and every rule counter it has', () => {
    fc.assert(
      fc.property(policyArb, fc.array(packetArb, { minLength: 20, maxLength: 40 }), (policy, packets) =>
        checkSegmented(policy, packets),
      ),
      { numRuns: 150 },
    );
    // the budgets did shape the graphs: several segments, counting tables, rules without counters
    expect(shapesSeen.segments).toBeGreaterThan(50);
    expect(shapesSeen.counting).toBeGreaterThan(50);
    expect(shapesSeen.uncounted).toBeGreaterThan(10);
  });
});
