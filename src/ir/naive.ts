import type { PFilter, Policy } from '../policy/policy.js';
import type { FieldSpace } from './field-space.js';
import { normalizeRanges } from '../policy/ranges.js';
import { BudgetExceeded } from './idd.js';

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

  constructor(
    private readonly space: FieldSpace,
    /** Most nodes it makes; past it, BudgetExceeded. */
    private readonly limit = Infinity,
  ) {}

  private test(field: number, ranges: [number, number][], yes: number, no: number): number {
    const cuts = [-1];
    const kids = [no];
    for (const [lo, hi] of normalizeRanges(ranges)) {
      cuts.push(lo, hi + 1);
      kids.push(yes, no);
    }
    if (this.nodes.length >= this.limit) throw new BudgetExceeded(this.limit);
    this.nodes.push({ field, cuts, kids });
    return this.nodes.length - 1;
  }

  /**
   * The filter as a chain of tests: `yes` where it holds, `no` where not.
   * A walk on a stack of its own (filters may nest 10,000 deep); a shared
   * sub-filter is translated again at each use with that use's exits, as a
   * naive translation does, so the node budget bounds what a DAG can expand to.
   */
  build(root: PFilter, yes: number, no: number): number {
    interface Frame {
      f: PFilter;
      yes: number;
      no: number;
      /** The next argument of an and/or to translate (from the last one down), -1 before the first. */
      i: number;
      next: number;
    }
    const frames: Frame[] = [{ f: root, yes, no, i: -1, next: 0 }];
    let ret = 0;
    while (frames.length) {
      const fr = frames[frames.length - 1];
      const f = fr.f;
      switch (f.t) {
        case 'const':
          ret = f.value ? fr.yes : fr.no;
          frames.pop();
          continue;
        case 'test':
          ret = this.test(this.space.field(f.field), f.ranges, fr.yes, fr.no);
          frames.pop();
          continue;
        case 'pred':
          ret = this.test(this.space.pred(f.pred), [[1, 1]], fr.yes, fr.no);
          frames.pop();
          continue;
        case 'not':
          if (fr.i < 0) {
            fr.i = 0;
            frames.push({ f: f.arg, yes: fr.no, no: fr.yes, i: -1, next: 0 });
          } else frames.pop();
          continue;
        case 'and':
        case 'or': {
          if (fr.i < 0) {
            fr.next = f.t === 'and' ? fr.yes : fr.no;
            fr.i = f.args.length;
          } else fr.next = ret;
          if (fr.i === 0) {
            ret = fr.next;
            frames.pop();
            continue;
          }
          fr.i--;
          const arg = f.args[fr.i];
          frames.push(
            f.t === 'and'
              ? { f: arg, yes: fr.next, no: fr.no, i: -1, next: 0 }
              : { f: arg, yes: fr.yes, no: fr.next, i: -1, next: 0 },
          );
          continue;
        }
      }
    }
    return ret;
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
