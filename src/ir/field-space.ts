import { FIELDS } from '../fields/fields.js';
import { predicateKey, type PFilter, type Predicate } from '../policy/policy.js';
import { loadTest } from './loads.js';

/**
 * The variables a match graph tests, in test order: packet fields (outer, then
 * inner), then byte loads and opaque predicates, because they are the costly
 * ones (loads, payload scans) and the cheap field tests above them usually
 * decide first.
 */
export class FieldSpace {
  readonly names: string[] = [];
  readonly preds: Predicate[] = [];
  private readonly index = new Map<string, number>();

  constructor() {
    for (const f of FIELDS) this.add(f.name);
    for (const f of FIELDS) if (f.name !== 'tap') this.add(`inner.${f.name}`);
  }

  private add(name: string): number {
    const i = this.names.length;
    this.names.push(name);
    this.index.set(name, i);
    return i;
  }

  field(name: string): number {
    const i = this.index.get(name);
    if (i === undefined) throw new Error(`unknown field ${name}`);
    return i;
  }

  /** A predicate becomes a 0/1 variable; equal predicates share one. */
  pred(p: Predicate): number {
    const name = `pred:${predicateKey(p)}`;
    const i = this.index.get(name);
    if (i !== undefined) return i;
    this.preds.push(p);
    return this.add(name);
  }

  /** A byte load compared with constants (src/ir/loads.ts): a field of its own, named after what it loads. */
  load(name: string): number {
    return this.index.get(name) ?? this.add(name);
  }

  isPred(field: number): boolean {
    return this.names[field].startsWith('pred:');
  }

  predOf(field: number): Predicate {
    return JSON.parse(this.names[field].slice(5)) as Predicate;
  }

  /** Registers every predicate of a filter (so their order follows the policy's); a walk of its own stack, each shared part once. */
  collect(root: PFilter): void {
    const seen = new Set<PFilter>();
    const stack = [root];
    while (stack.length) {
      const f = stack.pop()!;
      if (seen.has(f)) continue;
      seen.add(f);
      if (f.t === 'pred') {
        const load = loadTest(f.pred);
        if (load) this.load(load.field);
        else this.pred(f.pred);
      } else if (f.t === 'not') stack.push(f.arg);
      else if (f.t === 'and' || f.t === 'or') for (let i = f.args.length - 1; i >= 0; i--) stack.push(f.args[i]);
    }
  }
}
