import { FIELD_INDEX } from '../fields/fields.js';
import { LOAD_LAYERS } from '../policy/policy.js';
import type { PArith, Predicate } from '../policy/policy.js';
import { LOAD_FIELD } from './loads.js';

/**
 * The invariants of a match graph that code generation, the table walk, the
 * segment combiner and the rule counters rely on, in one place. The compiler
 * checks its graphs with it in tests; the runtime checks every artifact it
 * loads with it (after the JSON Schema, which checks types and shapes), since
 * an artifact is a file anyone who can edit it controls.
 *
 * - every field is a packet field the runtime reads (`dstPort`,
 *   `inner.ip4Src`: FIELDS, inner ones but `tap`), a byte load
 *   (`load:outer:ip:8:1`, src/ir/loads.ts) or `pred:N` with a predicate N;
 * - a node has at least two intervals, cuts ascending from -1, as many
 *   children as cuts; a child is a later node (nodes are stored parents
 *   first, so the graph is acyclic and one pass in order visits parents
 *   before children) or an existing leaf;
 * - an optimized graph is ordered: fields only increase along an edge, so a
 *   path tests each field at most once and no path is longer than the
 *   number of fields (the generated code nests no deeper; code generation
 *   also caps its depth, CODE_DEPTH, for -O0 graphs);
 * - leaves name existing rules and groups, sorted without repeats, and a
 *   leaf's groups are its `to` groups minus its `drop` groups;
 * - segment and counting-table roots exist; a counting table's segment
 *   exists and its groups too; uncounted rules exist;
 * - a predicate's arithmetic nests at most MAX_ARITH_DEPTH deep (its
 *   closures call one another as deep).
 */
export interface CheckedGraph {
  fields: readonly string[];
  preds: readonly Predicate[];
  nodes: readonly { field: number; cuts: readonly number[]; kids: readonly number[] }[];
  leaves: readonly {
    rules: readonly number[];
    to: readonly number[];
    drop: readonly number[];
    groups: readonly number[];
  }[];
  segments: readonly number[];
  counting?: readonly { segment: number; root: number; groups: readonly number[] }[];
  optimized: boolean;
  uncounted?: readonly number[];
}

/** Deepest arithmetic a predicate may nest (a load's offset, an operand). */
export const MAX_ARITH_DEPTH = 256;

export class GraphError extends Error {}

/**
 * Throws GraphError naming the first broken invariant. `rules` and `groups`
 * are the counts the leaves may refer to (omitted: not checked, for a bare
 * graph). Linear in the size of the graph.
 */
export function checkGraph(g: CheckedGraph, counts: { rules?: number; groups?: number } = {}): void {
  const fail = (m: string): never => {
    throw new GraphError(m);
  };
  g.fields.forEach((f, i) => {
    const pred = /^pred:(\d+)$/.exec(f);
    if (pred) {
      if (Number(pred[1]) >= g.preds.length) fail(`field ${i} (${f}) has no predicate`);
      return;
    }
    if (LOAD_FIELD.test(f)) return;
    const name = f.startsWith('inner.') ? f.slice(6) : f;
    if (!FIELD_INDEX.has(name) || f === 'inner.tap') fail(`field ${i}: unknown packet field ${f}`);
  });
  g.preds.forEach((p, i) => {
    const problem = predicateProblem(p);
    if (problem) fail(`predicate ${i}: ${problem}`);
  });
  const nodeCount = g.nodes.length;
  const leafCount = g.leaves.length;
  const target = (k: number, where: string, what: string) => {
    if (k >= 0 ? k >= nodeCount : -1 - k >= leafCount) fail(`${where}: ${what} ${k} out of range`);
  };
  g.nodes.forEach((n, i) => {
    if (n.field < 0 || n.field >= g.fields.length) fail(`node ${i}: field ${n.field} out of range`);
    if (n.cuts.length !== n.kids.length) fail(`node ${i}: cuts and kids differ in length`);
    if (n.cuts.length < 2) fail(`node ${i}: needs at least two intervals`);
    if (n.cuts[0] !== -1) fail(`node ${i}: first interval must start at -1`);
    for (let k = 1; k < n.cuts.length; k++) if (!(n.cuts[k] > n.cuts[k - 1])) fail(`node ${i}: cuts not ascending`);
    for (const kid of n.kids) {
      target(kid, `node ${i}`, 'child');
      // parents first: every edge points forward, so there is no cycle
      if (kid >= 0 && kid <= i) fail(`node ${i}: child ${kid} does not come after it`);
      if (g.optimized && kid >= 0 && g.nodes[kid].field <= n.field)
        fail(
          `node ${i}: child ${kid} tests field ${g.nodes[kid].field}, not after ${n.field} (an optimized graph is ordered)`,
        );
    }
  });
  g.segments.forEach((s, i) => target(s, `segment ${i}`, 'root'));
  const inRange = (xs: readonly number[], n: number | undefined, what: string, where: string) => {
    for (let k = 0; k < xs.length; k++) {
      if (n !== undefined && xs[k] >= n) fail(`${where} names ${what} ${xs[k]}, which does not exist`);
      if (k > 0 && !(xs[k] > xs[k - 1])) fail(`${where}: ${what}s not ascending`);
    }
  };
  g.leaves.forEach((l, i) => {
    inRange(l.rules, counts.rules, 'rule', `leaf ${i}`);
    inRange(l.to, counts.groups, 'group', `leaf ${i}`);
    inRange(l.drop, counts.groups, 'group', `leaf ${i}`);
    inRange(l.groups, counts.groups, 'group', `leaf ${i}`);
    const want = l.to.filter((x) => !l.drop.includes(x));
    if (want.length !== l.groups.length || want.some((x, k) => x !== l.groups[k]))
      fail(`leaf ${i}: groups must be its to groups minus its drop groups`);
  });
  (g.counting ?? []).forEach((t, i) => {
    if (t.segment >= g.segments.length) fail(`counting table ${i}: segment ${t.segment} out of range`);
    target(t.root, `counting table ${i}`, 'root');
    inRange(t.groups, counts.groups, 'group', `counting table ${i}`);
  });
  if (g.uncounted) inRange(g.uncounted, counts.rules, 'rule', 'uncounted');
}

const LAYERS: ReadonlySet<string> = new Set(LOAD_LAYERS);
const OPS = new Set(['+', '-', '*', '/', '%', '&', '|', '^', '<<', '>>']);
const RELATIONS = new Set(['==', '!=', '<', '<=', '>', '>=']);

/** What is wrong with a predicate's structure (the JSON Schema checks only its kind and scope), or undefined. */
function predicateProblem(p: Predicate): string | undefined {
  const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null;
  switch (p.kind) {
    case 'contains':
      return Array.isArray(p.bytes) &&
        p.bytes.length > 0 &&
        p.bytes.every((b) => Number.isInteger(b) && b >= 0 && b <= 255)
        ? undefined
        : 'contains needs bytes from 0 to 255';
    case 'regex':
      return typeof p.source === 'string' && typeof p.flags === 'string' ? undefined : 'regex needs a source and flags';
    case 'relation': {
      if (!RELATIONS.has(p.op)) return `unknown relation ${String(p.op)}`;
      // each operand on a stack of its own, depth first: shape and depth at once
      const stack: [unknown, number][] = [
        [p.left, 1],
        [p.right, 1],
      ];
      while (stack.length) {
        const [x, d] = stack.pop()!;
        if (d > MAX_ARITH_DEPTH) return `arithmetic nested deeper than ${MAX_ARITH_DEPTH}`;
        if (!isObject(x)) return 'arithmetic operand is not an object';
        switch (x.k) {
          case 'num':
            if (typeof x.v !== 'number' || !Number.isFinite(x.v)) return 'a number operand needs a finite v';
            break;
          case 'len':
            break;
          case 'field':
            if (typeof x.field !== 'string' || !FIELD_INDEX.has(x.field)) return `unknown field ${String(x.field)}`;
            break;
          case 'load':
            if (!LAYERS.has(x.layer as string)) return `unknown layer ${String(x.layer)}`;
            if (x.size !== 1 && x.size !== 2 && x.size !== 4) return 'a load is 1, 2 or 4 bytes';
            stack.push([x.offset, d + 1]);
            break;
          case 'bin':
            if (!OPS.has(x.op as string)) return `unknown operator ${String(x.op)}`;
            stack.push([x.l, d + 1], [x.r, d + 1]);
            break;
          case 'neg':
            stack.push([x.a, d + 1]);
            break;
          default:
            return `unknown operand ${String(x.k)}`;
        }
      }
      return undefined;
    }
    case 'protochain':
      return (p.family === 0 || p.family === 4 || p.family === 6) &&
        Number.isInteger(p.proto) &&
        p.proto >= 0 &&
        p.proto <= 255
        ? undefined
        : 'protochain needs a family 0, 4 or 6 and a protocol from 0 to 255';
    default:
      return `unknown predicate kind ${String((p as { kind: unknown }).kind)}`;
  }
}

/** How deep an arithmetic expression nests, walked on a stack of its own (a crafted one may nest arbitrarily). */
export function arithDepth(a: PArith): number {
  let deepest = 0;
  const stack: [PArith, number][] = [[a, 1]];
  while (stack.length) {
    const [x, d] = stack.pop()!;
    if (d > deepest) deepest = d;
    if (deepest > MAX_ARITH_DEPTH) return deepest;
    if (x.k === 'bin') stack.push([x.l, d + 1], [x.r, d + 1]);
    else if (x.k === 'neg') stack.push([x.a, d + 1]);
    else if (x.k === 'load') stack.push([x.offset, d + 1]);
  }
  return deepest;
}
