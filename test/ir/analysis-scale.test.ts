import { afterEach, describe, expect, it, vi } from 'vitest';
import { analyzePolicy } from '../../src/ir/analysis.js';
import { Density } from '../../src/ir/density.js';
import { Idd } from '../../src/ir/idd.js';
import { policyFor } from './helpers.js';

/**
 * The overlap analysis ranks, for each redundant rule, every rule it meets
 * (src/ir/density.ts). Ranking each overlap afresh, with a walk whose marks
 * were as large as the whole diagram store, made `validate` of a 3,000-rule
 * policy quadratic (docs/design/measurements.md, "scale, session 6, round 2").
 * These count the work rather than time it.
 */
function analyze(exprs: string[]) {
  const r = policyFor(exprs);
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const walk = vi.spyOn(Idd.prototype, 'postOrder');
  const budget = vi.spyOn(Idd.prototype, 'withBudget');
  const rank = vi.spyOn(Density.prototype, 'of');
  const result = analyzePolicy(r.policy);
  const densities = new Set(rank.mock.instances as unknown as Density[]);
  const stores = new Set(budget.mock.instances as unknown as Idd[]);
  const out = {
    result,
    walks: walk.mock.calls.length,
    densities: densities.size,
    evaluated: [...densities].reduce((s, d) => s + d.evaluated, 0),
    stored: [...stores].reduce((s, idd) => s + idd.size, 0),
  };
  vi.restoreAllMocks();
  return out;
}

const ports = (n: number) => Array.from({ length: n }, (_, i) => `tcp port ${1000 + i}`);

describe('overlap analysis scale', () => {
  afterEach(() => vi.restoreAllMocks());

  it('ranks each diagram node at most once per analysis, with no whole-store walk per overlap', () => {
    // one wide rule first, then narrower ones it covers (each reported TMES0701), all meeting each other
    const { result, walks, densities, evaluated, stored } = analyze([`tcp portrange 1000-1200`, ...ports(200)]);
    expect(result.findings.filter((f) => f.code === 'TMES0701')).toHaveLength(200);
    expect(walks).toBe(0);
    expect(densities).toBe(1);
    expect(evaluated).toBeGreaterThan(0);
    expect(evaluated).toBeLessThanOrEqual(stored);
  });

  it('doubling identical rules does not change the nodes ranked', () => {
    const twin = (n: number) => analyze(Array.from({ length: n }, () => 'tcp port 80 and host 10.0.0.1'));
    const small = twin(100);
    const large = twin(200);
    expect(large.result.findings.filter((f) => f.code === 'TMES0701')).toHaveLength(199);
    expect(large.walks).toBe(0);
    expect(small.evaluated).toBeGreaterThan(0);
    expect(large.evaluated).toBe(small.evaluated);
  });
});
