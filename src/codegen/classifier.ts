import type { GraphNode, MatchGraph } from '../ir/graph.js';
import { _, Code, join, numbers, path } from './code.js';

/**
 * Generates the classifier: one JavaScript function that walks the match
 * graph for a packet view and returns the leaf it reaches. Each node becomes
 * a case of a state machine whose interval search is unrolled into a balanced
 * tree of comparisons (no memory loads, predictable branches) or, for large
 * value sets, a Map lookup. Only single-segment (optimized) graphs get code;
 * others, and graphs too large for good code, are interpreted from tables.
 *
 * The function source is `(preds) => (p, d) => leafIndex` (p the decoded view, d the frame bytes): predicates (payload
 * and byte-offset tests) are passed in as functions built from data.
 */
export interface GeneratedClassifier {
  /** Source of a function body taking `preds` and returning `classify(p)`. */
  js: string;
  /** Whether the code was produced (false: too large, the runtime interprets tables). */
  generated: boolean;
  reason?: string;
}

/**
 * Above this many intervals in total, tables are used instead: V8 does not
 * optimize very large functions, and a 40,000-node switch ran 30x slower in the
 * interpreter than the table walk (npm run bench -- compile).
 */
export const MAX_INTERVALS_FOR_CODE = 4_000;
const UNROLL_LIMIT = 64;

function fieldAccess(g: MatchGraph, field: number): Code {
  const name = g.fields[field];
  if (name.startsWith("pred:")) return _`preds[${Number(name.slice(5))}](p, d)`;
  if (name.startsWith('inner.')) return path('p', 'inner', name.slice(6));
  return path('p', name);
}

function goTo(kid: number): Code {
  return kid < 0 ? _`return ${-1 - kid};` : _`n = ${kid}; continue;`;
}

/** Balanced comparison tree over intervals [lo, hi) of the node. */
function searchTree(n: GraphNode, lo: number, hi: number): Code {
  if (hi - lo === 1) return goTo(n.kids[lo]);
  const mid = (lo + hi) >> 1;
  return _`if (v < ${n.cuts[mid]}) { ${searchTree(n, lo, mid)} } else { ${searchTree(n, mid, hi)} }`;
}

export function generateClassifier(g: MatchGraph): GeneratedClassifier {
  if (g.segments.length !== 1) return { js: '', generated: false, reason: 'unoptimized graph (one segment per rule): interpreted' };
  const total = g.nodes.reduce((s, n) => s + n.kids.length, 0);
  if (total > MAX_INTERVALS_FOR_CODE) return { js: '', generated: false, reason: `${total} intervals: too large for code, interpreted from tables` };
  const root = g.segments[0];
  if (root < 0) return { js: _`return function classify(p, d) { return ${-1 - root}; };`.text, generated: true };

  const consts: Code[] = [];
  const cases: Code[] = [];
  g.nodes.forEach((n, i) => {
    const read = _`const v = ${fieldAccess(g, n.field)};`;
    let body: Code;
    if (n.lookup === 'hash' || n.kids.length > UNROLL_LIMIT) {
      // Map from each single value to its child; the rest fall back to a search of the cuts
      const singles: Code[] = [];
      n.kids.forEach((k, j) => {
        if (j + 1 < n.cuts.length && n.cuts[j + 1] - n.cuts[j] === 1) singles.push(_`[${n.cuts[j]}, ${k}]`);
      });
      consts.push(_`const m${i} = new Map([${join(singles, ', ')}]);`);
      consts.push(_`const c${i} = new Float64Array([${numbers(n.cuts)}]);`);
      consts.push(_`const k${i} = new Int32Array([${numbers(n.kids)}]);`);
      body = _`${read} let k = m${i}.get(v); if (k === undefined) k = k${i}[search(c${i}, v)]; if (k < 0) return -1 - k; n = k; continue;`;
    } else {
      body = _`${read} ${searchTree(n, 0, n.kids.length)}`;
    }
    cases.push(_`case ${i}: { ${body} }`);
  });
  const js = _`"use strict";
function search(cuts, v) {
  let lo = 0, hi = cuts.length - 1;
  while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (cuts[mid] <= v) lo = mid; else hi = mid - 1; }
  return lo;
}
${consts}
return function classify(p, d) {
  let n = ${root};
  for (;;) {
    switch (n) {
${cases}
      default: throw new Error('match graph: bad node ' + n);
    }
  }
};`;
  return { js: js.text, generated: true };
}
