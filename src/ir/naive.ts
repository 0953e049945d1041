import type { PFilter, Policy } from '../policy/policy.js';
import type { FieldSpace } from './field-space.js';
import { normalizeRanges } from '../policy/ranges.js';

export interface RawNode {
  field: number;
  cuts: number[];
  kids: number[];
}

/**
 * The -O0 graph: each rule's filter translated as written, a chain of tests
 * with short-circuit edges, no sharing, no reordering. It is what the
 * optimizer starts from conceptually, and the baseline the property tests
 * hold the optimized graph to.
 */
export class NaiveBuilder {
  readonly nodes: RawNode[] = [];

  constructor(private readonly space: FieldSpace) {}

  private test(field: number, ranges: [number, number][], yes: number, no: number): number {
    const cuts = [-1];
    const kids = [no];
    for (const [lo, hi] of normalizeRanges(ranges)) {
      cuts.push(lo, hi + 1);
      kids.push(yes, no);
    }
    this.nodes.push({ field, cuts, kids });
    return this.nodes.length - 1;
  }

  build(f: PFilter, yes: number, no: number): number {
    switch (f.t) {
      case 'const':
        return f.value ? yes : no;
      case 'test':
        return this.test(this.space.field(f.field), f.ranges, yes, no);
      case 'pred':
        return this.test(this.space.pred(f.pred), [[1, 1]], yes, no);
      case 'not':
        return this.build(f.arg, no, yes);
      case 'and': {
        let next = yes;
        for (let i = f.args.length - 1; i >= 0; i--) next = this.build(f.args[i], next, no);
        return next;
      }
      case 'or': {
        let next = no;
        for (let i = f.args.length - 1; i >= 0; i--) next = this.build(f.args[i], yes, next);
        return next;
      }
    }
  }

  /** One segment per rule: leaf `hit` when the rule matches, `miss` otherwise. */
  rule(policy: Policy, i: number, hit: number, miss: number): number {
    const r = policy.rules[i];
    const body = this.build(r.filter, hit, miss);
    return r.taps === 'any'
      ? body
      : this.test(
          this.space.field('tap'),
          r.taps.map((t) => [t, t] as [number, number]),
          body,
          miss,
        );
  }
}
