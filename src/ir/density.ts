import { FIELDS } from '../fields/fields.js';
import type { FilterBuilder } from './build.js';

/**
 * The share of packet space where a boolean diagram is true, each field's
 * values weighted alike: a size to rank overlaps by (src/ir/analysis.ts).
 *
 * One Density serves a whole analysis, and a node's share is computed once
 * and kept: nodes are never changed or renumbered, and the overlaps the
 * analysis ranks share most of their nodes. Computing each overlap afresh,
 * with a walk whose marks were as large as the whole diagram store, made
 * `validate` of a 3,000-rule policy quadratic (accept, session 6).
 */
export class Density {
  /** Nodes whose share was computed, over the life of this Density: at most the diagram store's size. */
  evaluated = 0;
  private readonly value = new Map<number, number>();
  /** Each field's number of values plus two, by field index (as names[field] gives it). */
  private readonly spans: number[] = [];

  constructor(private readonly b: FilterBuilder) {}

  of(root: number): number {
    if (root < 0) return root === this.b.TRUE ? 1 : 0;
    const known = this.value.get(root);
    if (known !== undefined) return known;
    const idd = this.b.idd;
    const cuts = idd.cuts(root);
    const kids = idd.kids(root);
    const total = this.span(idd.field(root));
    let sum = 0;
    for (let i = 0; i < kids.length; i++) {
      const hi = i + 1 < cuts.length ? cuts[i + 1] : total - 1;
      // depth is bounded by the number of fields (a diagram tests each field once on a path)
      sum += ((hi - cuts[i]) / total) * this.of(kids[i]);
    }
    this.value.set(root, sum);
    this.evaluated++;
    return sum;
  }

  private span(field: number): number {
    let s = this.spans[field];
    if (s === undefined) {
      const name = this.b.space.names[field].replace(/^inner\./, '');
      const info = FIELDS.find((f) => f.name === name);
      s = this.spans[field] = (info ? info.max : 1) + 2;
    }
    return s;
  }
}
