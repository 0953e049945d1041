import { predicateKey, type PFilter, type Predicate, type Ranges } from '../policy/policy.js';
import { normalizeRanges } from '../policy/ranges.js';
import { FALSE, TRUE } from './filter-builders.js';

/**
 * Builds lowered filters as a DAG with hash-consing: equal subfilters are one
 * object (a `tcp` test appears once however many rules say it), and a filter
 * definition is lowered once and referenced wherever it is used, never copied.
 * Twenty definitions that each say `F(n+1) = Fn or Fn` stay twenty-one nodes,
 * where copying would make a million.
 *
 * Consumers must treat the result as a DAG: a node may be reached along many
 * paths, so a walk that does not remember the nodes it has done can take time
 * exponential in the policy. policy/filter-measure.ts counts the distinct nodes
 * (the measure to budget); `depth` is the longest path.
 *
 * Nodes are never mutated once built. And/or flatten a child of their own kind
 * into themselves unless the child is a definition's filter (`share`): copying
 * a definition's operands into every use would undo the sharing.
 */
export class FilterDag {
  private readonly ids = new Map<PFilter, number>();
  private readonly byKey = new Map<string, PFilter>();
  private readonly depths = new Map<PFilter, number>();
  private readonly shared = new Set<PFilter>();

  constructor() {
    this.remember(FALSE, 1);
    this.remember(TRUE, 1);
  }

  private remember(f: PFilter, depth: number): void {
    this.ids.set(f, this.ids.size);
    this.depths.set(f, depth);
  }

  private id(f: PFilter): number {
    let id = this.ids.get(f);
    if (id === undefined) {
      // built elsewhere (filter-builders): adopt it, with its depth measured once
      this.remember(f, measureDepth(f, this.depths));
      id = this.ids.get(f)!;
    }
    return id;
  }

  private intern(key: string, make: () => PFilter, depth: () => number): PFilter {
    const hit = this.byKey.get(key);
    if (hit) return hit;
    const f = make();
    this.byKey.set(key, f);
    this.remember(f, depth());
    return f;
  }

  /** Longest path from f to a leaf, in nodes. */
  depth(f: PFilter): number {
    this.id(f);
    return this.depths.get(f)!;
  }

  /** Marks a definition's filter: it is referenced, never flattened into the filters that use it. */
  share(f: PFilter): PFilter {
    if (f.t === 'and' || f.t === 'or') this.shared.add(f);
    return f;
  }

  test(field: string, ranges: Ranges): PFilter {
    if (ranges.length === 0) return FALSE;
    const r = normalizeRanges(ranges);
    let key = `t${field}`;
    for (const [lo, hi] of r) key += `|${lo}-${hi}`;
    return this.intern(
      key,
      () => ({ t: 'test', field, ranges: r }),
      () => 1,
    );
  }

  eq(field: string, v: number): PFilter {
    return this.test(field, [[v, v]]);
  }

  pred(pred: Predicate): PFilter {
    return this.intern(
      `p${predicateKey(pred)}`,
      () => ({ t: 'pred', pred }),
      () => 1,
    );
  }

  not(arg: PFilter): PFilter {
    if (arg.t === 'const') return arg.value ? FALSE : TRUE;
    if (arg.t === 'not') return arg.arg;
    return this.intern(
      `n${this.id(arg)}`,
      () => ({ t: 'not', arg }),
      () => this.depth(arg) + 1,
    );
  }

  and(args: readonly PFilter[]): PFilter {
    return this.junction('and', args);
  }

  or(args: readonly PFilter[]): PFilter {
    return this.junction('or', args);
  }

  private junction(t: 'and' | 'or', args: readonly PFilter[]): PFilter {
    const absorbing = t === 'or';
    const flat: PFilter[] = [];
    const seen = new Set<PFilter>();
    const add = (a: PFilter) => {
      if (!seen.has(a)) {
        seen.add(a);
        flat.push(a);
      }
    };
    for (const a of args) {
      if (a.t === 'const') {
        if (a.value === absorbing) return a;
        continue;
      }
      if (a.t === t && !this.shared.has(a)) for (const x of a.args) add(x);
      else add(a);
    }
    if (flat.length === 0) return absorbing ? FALSE : TRUE;
    if (flat.length === 1) return flat[0];
    let key = t === 'and' ? 'a' : 'o';
    let depth = 0;
    for (const a of flat) {
      key += `|${this.id(a)}`;
      depth = Math.max(depth, this.depths.get(a)!);
    }
    return this.intern(
      key,
      () => ({ t, args: flat }),
      () => depth + 1,
    );
  }
}

/** Depth of a filter not built by a FilterDag, without recursion, remembering what it measures. */
function measureDepth(root: PFilter, known: Map<PFilter, number>): number {
  const stack: PFilter[] = [root];
  while (stack.length) {
    const x = stack[stack.length - 1];
    if (known.has(x)) {
      stack.pop();
      continue;
    }
    const kids = x.t === 'and' || x.t === 'or' ? x.args : x.t === 'not' ? [x.arg] : [];
    let pending = false;
    for (const k of kids)
      if (!known.has(k)) {
        stack.push(k);
        pending = true;
      }
    if (pending) continue;
    known.set(x, 1 + kids.reduce((m, k) => Math.max(m, known.get(k)!), 0));
    stack.pop();
  }
  return known.get(root)!;
}
