import type { PFilter } from './policy.js';

/**
 * A rule's filter is a DAG (check/filter-dag.ts): definitions and equal
 * subfilters are shared, so one node may be reached along many paths. These
 * measure it without expanding it and without recursion.
 */

function children(f: PFilter): readonly PFilter[] {
  return f.t === 'and' || f.t === 'or' ? f.args : f.t === 'not' ? [f.arg] : [];
}

/** Distinct nodes reachable from the filters: the work a walk that remembers what it visited does. */
export function filterSize(...roots: PFilter[]): number {
  const seen = new Set<PFilter>(roots);
  const todo = [...seen];
  while (todo.length) {
    for (const k of children(todo.pop()!))
      if (!seen.has(k)) {
        seen.add(k);
        todo.push(k);
      }
  }
  return seen.size;
}

/**
 * The size of the filter written out as a tree, every shared node copied at
 * each place it is used: the work of a walk that does not remember. Saturates
 * at Number.MAX_SAFE_INTEGER.
 */
export function filterTreeSize(root: PFilter): number {
  const size = new Map<PFilter, number>();
  const stack: PFilter[] = [root];
  while (stack.length) {
    const x = stack[stack.length - 1];
    if (size.has(x)) {
      stack.pop();
      continue;
    }
    let pending = false;
    for (const k of children(x))
      if (!size.has(k)) {
        stack.push(k);
        pending = true;
      }
    if (pending) continue;
    let n = 1;
    for (const k of children(x)) n = Math.min(Number.MAX_SAFE_INTEGER, n + size.get(k)!);
    size.set(x, n);
    stack.pop();
  }
  return size.get(root)!;
}
