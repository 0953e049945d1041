import type { GraphNode } from '../ir/graph.js';
import { HASH_MIN, HASH_MUL, splitSingles, worthHashing, type SplitNode } from './lookup.js';
import { _, Code, numbers, path } from './code.js';
import { chunkLoop } from './chunk-loop.js';
import { packetPathRead } from './field-reads.js';
import { localGraph, walkBegun, walkDemand } from './spine.js';

/**
 * Generates the classifier: JavaScript that walks the match graph for a
 * packet view and returns the leaf it reaches.
 *
 * Every node is a small function of its own whose test has the node's
 * boundaries as constants and which calls its child directly. So each node
 * has branches of its own, which the CPU predicts node by node (a table walk
 * shares one set of branches among all nodes and mispredicts far more), and
 * V8 optimizes each function once it is hot and inlines hot callees into
 * their callers, so a packet's path ends up as straight-line code. Fewer,
 * larger functions measured slower: nesting single-parent nodes into their
 * parent cost a third more instructions per packet (V8 inlined less), state
 * machines over regions of 4 to 60 KB of code ran 2 to 8 times slower, and
 * one 40,000-node switch 30 times slower than the table walk.
 *
 * Code covers the graph from the roots, most likely nodes first, up to a
 * budget: the top levels and the catch-all paths are where most packets go,
 * while deep nodes (say, one per GTP tunnel id and inner port) are many and
 * each is reached by few packets.
 * Those are left to the runtime's table walk, which the code calls as
 * `walk(node, p, d)`, so code size is bounded whatever the policy.
 *
 * The source is the body of a function `(preds, walk) => classify` with
 * `classify(p, d)` returning a leaf index (p the decoded view, d the frame
 * bytes). Predicates (payload and byte-offset tests) are passed in as
 * functions built from data; nothing but numbers and validated identifiers
 * is spliced into the code.
 *
 * The runtime calls this at load on the graph of the artifact it runs (an
 * artifact holds no code), so its input may be any graph validateArtifact
 * accepts, written by anyone: the guarantee above is what makes that safe,
 * and it must hold for every such graph, not only for what the compiler
 * builds. It is deterministic: the same graph and options give the same code.
 */
export interface GeneratedClassifier {
  /** Source of a function body taking `preds` and `walk` and returning `classify(p, d)`. */
  js: string;
  /** Whether the code was produced (false: the runtime interprets tables). */
  generated: boolean;
  reason?: string;
  /** Nodes that are code; the others are walked from tables. */
  codeNodes?: number;
}

export interface CodegenOptions {
  /** Code budget, about one unit per interval (tests shrink it to exercise the table fallback). */
  budget?: number;
  /** Longest chain of calls between node functions (tests shrink it). */
  depth?: number;
  /** Nodes with more intervals than this get a table lookup instead of a comparison tree. */
  unroll?: number;
  /** Fewest single values a node needs for a hash lookup. */
  hashMin?: number;
  /** Up to this many single values of a small node are tested for equality first. */
  eqMax?: number;
  /**
   * The packet path's link types that get a walked chunk loop (default: every one spine.ts walks); records of
   * the others go through chunkAny (Walk.start and classify). The runtime names the link types its records
   * have: most captures have one, and the other loops are most of the source (runtime/classify/packet-path.ts).
   */
  linkTypes?: readonly number[];
  /**
   * Whether some group of the policy balances over several tools (the chunk
   * loop then picks a tool by the session hash); false: the loop leaves the
   * hash's reads out (default true).
   */
  balanced?: boolean;
}

/**
 * About 40 bytes of code per unit; data (lookup tables, arrays of leaves and of
 * walked children) counts for less than its text, so a policy of many wide
 * nodes gets up to some 1.2 MB of source (1,000 independent groups: 830 KB).
 */
export const CODE_BUDGET = 16_000;
/**
 * Longest chain of node functions calling one another: a node deeper than this
 * on some path from a root stays in tables (the walk is a loop), so no graph,
 * however deep an artifact makes it, can overflow the stack in generated code.
 * The compiler's graphs test each field at most once on a path, so this is
 * only reached by policies with hundreds of payload or byte tests in one rule.
 */
export const CODE_DEPTH = 256;
const UNROLL_LIMIT = 16;
/** Up to this many single values of a small node are tested for equality before its ranges. */
const EQ_MAX = 3;
/** A wide node with at least this many distinct leaves returns them from an array rather than a case each. */
const LEAF_ARRAY_MIN = 4;

/**
 * What code generation reads of a graph: the compiler's match graph or an
 * artifact's validated copy of it. Not the `lookup` hint: each node's lookup
 * is decided here from its shape.
 */
export interface CodegenGraph {
  readonly fields: readonly string[];
  readonly nodes: readonly CodegenNode[];
  readonly segments: readonly number[];
  /** The graph's predicates: byte-load fields read the functions after them (`preds[preds.length + n]`). */
  readonly preds?: readonly unknown[];
  /** false for -O0 graphs, whose segments (one per rule) are interpreted: the naive baseline. */
  readonly optimized?: boolean;
}
type CodegenNode = Pick<GraphNode, 'field' | 'cuts' | 'kids'>;

/** What a node costs in code, in budget units; `split` is the node's splitSingles, kept for the emitter. */
function cost(n: CodegenNode, unroll: number, hashMin: number, split: Map<number, SplitNode>, id: number): number {
  if (n.kids.length <= unroll) return n.kids.length + 1;
  const s = splitSingles(n.cuts, n.kids);
  split.set(id, s);
  const ranges = worthHashing(n, s, hashMin) ? s.kids.length : n.kids.length;
  // a table's entries are data, not code: they count for little, and so do leaves and children left to
  // tables (arrays of their indices); a child that is code is a case, counted when it joins (CASE)
  const distinct = new Set(n.kids).size;
  return Math.ceil(distinct / 16) + Math.min(ranges, unroll) + Math.ceil(n.kids.length / 16) + 4;
}

/** What a node adds to its parent's code once it is code too: a case of a switch, or a call. */
const CASE = 1;

/**
 * The longest path, in nodes, from any root to each node (0 for a node no root
 * reaches): nodes are stored parents first (validated: every edge points
 * forward), so one pass in order settles each node after all its parents.
 */
export function depths(g: CodegenGraph, roots: readonly number[]): Int32Array {
  const depth = new Int32Array(g.nodes.length);
  for (const r of roots) if (r >= 0) depth[r] = Math.max(depth[r], 1);
  for (let id = 0; id < g.nodes.length; id++) {
    const d = depth[id];
    if (d === 0) continue;
    for (const k of g.nodes[id].kids) if (k >= 0 && depth[k] < d + 1) depth[k] = d + 1;
  }
  return depth;
}

/**
 * How likely a packet is to reach each node, estimated from the graph alone
 * (no traffic is known at compile time): a node passes its share on to its
 * children, each interval half by its part of the values the node spans and
 * half evenly, so that both the catch-all of a wide node (`host` lists: every
 * address but a few hundred) and the one interesting value of a narrow one
 * (`ip proto` 6 of 256) rank high. Nodes are stored parents first, so one
 * pass settles each node after all its parents; every root counts as 1, since
 * every packet walks every segment.
 */
export function reachShares(g: CodegenGraph, roots: readonly number[]): Float64Array {
  const share = new Float64Array(g.nodes.length);
  for (const r of roots) if (r >= 0) share[r] += 1;
  for (let id = 0; id < g.nodes.length; id++) {
    const s = share[id];
    if (s === 0) continue;
    const { cuts, kids } = g.nodes[id];
    const n = kids.length;
    const first = cuts[0];
    const last = cuts[n - 1];
    // the last interval runs to the end of the field's domain, unknown here: count it as wide as the rest
    const span = Math.max(last - first, 1) * 2;
    for (let j = 0; j < n; j++) {
      const k = kids[j];
      if (k < 0) continue;
      const width = j + 1 < n ? cuts[j + 1] - cuts[j] : span / 2;
      share[k] += s * (0.5 / n + (0.5 * width) / span);
    }
  }
  return share;
}

/** A max-heap of node ids by share, ties to the lower id, so the region is deterministic. */
class ShareHeap {
  private readonly ids: number[] = [];
  constructor(private readonly share: Float64Array) {}
  get size(): number {
    return this.ids.length;
  }
  private above(a: number, b: number): boolean {
    const sa = this.share[a];
    const sb = this.share[b];
    return sa > sb || (sa === sb && a < b);
  }
  push(id: number): void {
    const h = this.ids;
    let i = h.push(id) - 1;
    while (i > 0) {
      const up = (i - 1) >> 1;
      if (!this.above(h[i], h[up])) break;
      [h[i], h[up]] = [h[up], h[i]];
      i = up;
    }
  }
  pop(): number {
    const h = this.ids;
    const top = h[0];
    const end = h.pop()!;
    if (h.length > 0) {
      h[0] = end;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.above(h[l], h[m])) m = l;
        if (r < h.length && this.above(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }
}

/**
 * Which nodes are code: grown from the roots, most likely node first
 * (reachShares), within the budget, and no node deeper than `maxDepth` on
 * any path. Breadth first, a policy of many segments spent the budget on the
 * hundreds of wide nodes under its first segments' roots, most of which a
 * packet rarely reaches, and left the paths every packet takes to the table
 * walk; most likely first, each segment's usual path is code. The region is
 * connected: a node joins only once one of its parents is code.
 */
function codeRegion(
  g: CodegenGraph,
  roots: readonly number[],
  budget: number,
  maxDepth: number,
  unroll: number,
  hashMin: number,
  split: Map<number, SplitNode>,
): Uint8Array {
  const inCode = new Uint8Array(g.nodes.length);
  const seen = new Uint8Array(g.nodes.length);
  const depth = depths(g, roots);
  const heap = new ShareHeap(reachShares(g, roots));
  for (const r of roots) {
    if (r >= 0 && !seen[r]) {
      seen[r] = 1;
      heap.push(r);
    }
  }
  let spent = 0;
  while (heap.size > 0 && spent < budget) {
    const id = heap.pop();
    if (depth[id] > maxDepth) continue;
    const c = cost(g.nodes[id], unroll, hashMin, split, id) + CASE;
    // a node too large for what is left stays in tables; smaller ones further on may still fit
    if (spent + c > budget) {
      split.delete(id);
      continue;
    }
    spent += c;
    inCode[id] = 1;
    for (const k of g.nodes[id].kids) {
      if (k >= 0 && !seen[k]) {
        seen[k] = 1;
        heap.push(k);
      }
    }
  }
  return inCode;
}

/**
 * How node functions reach the packet. The view classifier's nodes take the
 * decoded view and the frame, `(p, d)`; the packet path's take the bytes
 * `d` and read the walk's state `W` (field-reads.ts).
 */
interface Access {
  /** Parameters of a node function, and the arguments a node passes to the next. */
  readonly params: Code;
  /** The value of graph field `field`; `fn` is the code calling its predicate or load function. */
  read(name: string, fn: () => Code): Code;
  /** Arguments of the table walk and of predicate functions: a view and its frame. */
  readonly viewArgs: Code;
}

const VIEW_ACCESS: Access = {
  params: _`p, d`,
  viewArgs: _`p, d`,
  read(name, fn) {
    if (name.startsWith('pred:') || name.startsWith('load:')) return fn();
    // as in the table walk: a view that is its own inner one has no inner fields
    if (name.startsWith('inner.')) return _`(p.inner === p ? -1 : ${path('p', 'inner', name.slice(6))})`;
    return path('p', name);
  },
};

const WALK_ACCESS: Access = {
  params: _`d`,
  viewArgs: _`W.view(), W.frame()`,
  read: (name, fn) => packetPathRead(name, { viewField: (f) => _`W.view().${path(f)}`, fn }),
};

class Emitter {
  readonly consts: Code[] = [];
  readonly functions: Code[] = [];

  constructor(
    private readonly g: CodegenGraph,
    private readonly inCode: Uint8Array,
    private readonly unroll: number,
    private readonly hashMin: number,
    private readonly eqMax: number,
    /** splitSingles of the wide nodes, as codeRegion computed it. */
    private readonly split: Map<number, SplitNode>,
    private readonly access: Access,
  ) {}

  run(): void {
    for (let id = 0; id < this.inCode.length; id++) {
      if (this.inCode[id]) this.functions.push(_`function n${id}(${this.access.params}) { ${this.body(id)} }`);
    }
  }

  /** Per field, the index of its function among the byte loads (-1 for other fields). */
  private readonly loadIndex: number[] = [];

  private read(field: number): Code {
    const name = this.g.fields[field];
    const args = this.access.viewArgs;
    return this.access.read(name, () => {
      const pred = /^pred:(\d+)$/.exec(name);
      if (pred) return _`preds[${Number(pred[1])}](${args})`;
      if (this.loadIndex.length === 0) {
        let n = 0;
        for (const f of this.g.fields) this.loadIndex.push(f.startsWith('load:') ? n++ : -1);
      }
      return _`preds[${(this.g.preds?.length ?? 0) + this.loadIndex[field]}](${args})`;
    });
  }

  private goTo(kid: number): Code {
    if (kid < 0) return _`return ${-1 - kid};`;
    if (!this.inCode[kid]) return _`return walk(${kid}, ${this.access.viewArgs});`;
    return _`return n${kid}(${this.access.params});`;
  }

  /** Balanced comparison tree over intervals [lo, hi). */
  private tree(cuts: readonly number[], lo: number, hi: number, leaf: (j: number) => Code): Code {
    if (hi - lo === 1) return leaf(lo);
    const mid = (lo + hi) >> 1;
    return _`if (v < ${cuts[mid]}) { ${this.tree(cuts, lo, mid, leaf)} } else { ${this.tree(cuts, mid, hi, leaf)} }`;
  }

  private body(id: number): Code {
    const n = this.g.nodes[id];
    const read = _`const v = ${this.read(n.field)};`;
    const s = this.split.get(id) ?? splitSingles(n.cuts, n.kids);
    // a short port list is cheaper as one hash probe than as a chain of equality tests
    if (n.kids.length > this.unroll || (s.singles.length > this.eqMax && worthHashing(n, s, this.hashMin)))
      return this.wide(id, n, s, read);
    if (s.singles.length > 0 && s.singles.length <= this.eqMax) {
      // `port 80` is [rest | 80 | rest]: one equality test instead of two comparisons
      const eqs = s.singles.map(([v, k]) => _`if (v === ${v}) ${this.goTo(k)}`);
      return _`${read} ${eqs} ${this.tree(s.cuts, 0, s.kids.length, (j) => this.goTo(s.kids[j]))}`;
    }
    return _`${read} ${this.tree(n.cuts, 0, n.kids.length, (j) => this.goTo(n.kids[j]))}`;
  }

  /**
   * Many intervals: single values through a hash table, the remaining ranges
   * by comparisons or a binary search, either giving the index of a distinct
   * child; a switch on it then goes on to that child.
   */
  private wide(id: number, n: CodegenNode, s: SplitNode, read: Code): Code {
    const hashed = worthHashing(n, s, this.hashMin);
    const cuts = hashed ? s.cuts : n.cuts;
    const kids = hashed ? s.kids : n.kids;
    // distinct children, leaves first, then nodes left to tables: those come from arrays of their
    // indices (a leaf is returned, a node walked), and only nodes that are code are cases
    const all = [...new Set(n.kids)];
    const leaves = all.filter((k) => k < 0);
    const walked = all.filter((k) => k >= 0 && !this.inCode[k]);
    const distinct = [...leaves, ...walked, ...all.filter((k) => k >= 0 && this.inCode[k])];
    const local = new Map(distinct.map((k, j) => [k, j]));
    let find: Code;
    if (kids.length <= this.unroll) {
      find = this.tree(cuts, 0, kids.length, (j) => _`j = ${local.get(kids[j])!};`);
    } else {
      this.consts.push(
        _`const c${id} = new Float64Array([${numbers(cuts)}]), r${id} = new Int32Array([${numbers(kids.map((k) => local.get(k)!))}]);`,
      );
      find = _`j = r${id}[search(c${id}, v)];`;
    }
    if (hashed) {
      const pairs: number[] = [];
      for (const [v, k] of s.singles) pairs.push(v, local.get(k)!);
      this.consts.push(_`const t${id} = table([${numbers(pairs)}]);`);
      find = _`j = probe(t${id}, v); if (j < 0) { ${find} }`;
    }
    let leafPart = _``;
    let cased = distinct;
    if (leaves.length >= LEAF_ARRAY_MIN) {
      this.consts.push(_`const l${id} = new Int32Array([${numbers(leaves.map((k) => -1 - k))}]);`);
      cased = distinct.slice(leaves.length);
      if (cased.length === 0) return _`${read} let j = -1; ${find} return l${id}[j];`;
      leafPart = _`if (j < ${leaves.length}) return l${id}[j];`;
    }
    if (walked.length >= LEAF_ARRAY_MIN) {
      const from = leaves.length;
      this.consts.push(_`const w${id} = new Int32Array([${numbers(walked)}]);`);
      cased = cased.filter((k) => k < 0 || this.inCode[k]);
      const toWalk = _`return walk(w${id}[j - ${from}], ${this.access.viewArgs});`;
      if (cased.length === 0) return _`${read} let j = -1; ${find} ${leafPart} ${toWalk}`;
      // with leaves cased, j below `from` is one of them
      const past = cased.length > 0 && cased[0] < 0 ? _`j >= ${from} && ` : _``;
      leafPart = _`${leafPart} if (${past}j < ${from + walked.length}) ${toWalk}`;
    }
    // the last child is the default: every j is one of them, and the function stays small
    const cases = cased.map((k, i) =>
      i + 1 < cased.length ? _`case ${local.get(k)!}: ${this.goTo(k)}` : _`default: ${this.goTo(k)}`,
    );
    return _`${read} let j = -1; ${find} ${leafPart} switch (j) { ${cases} }`;
  }
}

/**
 * Helpers the generated code shares: fixed text, no graph data. `table` is
 * open addressing over typed arrays, at most a quarter full so that a probe
 * rarely goes past its first slot; -2 marks an empty slot, since no field
 * value is below ABSENT (-1). Probing runs on past the end instead of
 * wrapping, so the arrays have a slot more per key.
 */
const PRELUDE = _`"use strict";
function table(pairs) {
  let size = 2;
  while (size < 2 * pairs.length) size *= 2;
  const keys = new Float64Array(size + pairs.length / 2).fill(-2), kids = new Int32Array(size + pairs.length / 2), shift = 32 - Math.log2(size);
  for (let i = 0; i < pairs.length; i += 2) {
    let s = Math.imul(pairs[i] | 0, ${HASH_MUL}) >>> shift;
    while (keys[s] !== -2) s++;
    keys[s] = pairs[i];
    kids[s] = pairs[i + 1];
  }
  return { keys, kids, shift };
}
function probe(t, v) {
  const keys = t.keys;
  for (let s = Math.imul(v | 0, ${HASH_MUL}) >>> t.shift; ; s++) {
    const k = keys[s];
    if (k === v) return t.kids[s];
    if (k === -2) return -1;
  }
}
function search(cuts, v) {
  let b = 0;
  for (let len = cuts.length; len > 1; ) { const half = len >>> 1; b += +(cuts[b + half] <= v) * half; len -= half; }
  return b;
}`;

/**
 * The classifier's source. One segment: `classify(p, d)` returns the leaf
 * the packet reaches. Several (a graph shaped for scale, or -O0's one per
 * rule): each segment's leaf goes through `step(state, leaf)`, which the
 * runtime passes in (it interns the combinations of leaves as results), and
 * `classify` returns the final state.
 */
export function generateClassifier(g: CodegenGraph, opts: CodegenOptions = {}): GeneratedClassifier {
  return generate(g, opts, VIEW_ACCESS);
}

/**
 * The packet path's source: the body of a function `(state, preds, walk, step)`
 * returning `{ classify, tableLeaf, chunk }`. `classify(d, o, n, wire, linkType, tap)`
 * walks the frame of `n` bytes at d[o] (W.start: the link layer to the
 * transport header, runtime/walk/walk.ts) and then the match graph, each node
 * loading the field it tests from the bytes where it tests it
 * (field-reads.ts). What the walk leaves out (predicates, tunnels, nodes
 * beyond the code budget) runs on the decoder's view of the packet,
 * `W.view()`, made only for the packets that reach them. `tableLeaf(t)`,
 * called after classify for the same packet, is the leaf it reaches from
 * `tableRoots[t]` (the rule counters' counting tables), the same way.
 * `chunk` walks the records of a pcap read chunk with classify() inlined
 * (chunk-loop.ts).
 */
export function generatePacketPath(
  g: CodegenGraph,
  opts: CodegenOptions = {},
  tableRoots: readonly number[] = [],
): GeneratedClassifier {
  return generate(g, opts, WALK_ACCESS, tableRoots);
}

/**
 * Why the graph gets no code (its tables are walked), or undefined when it
 * does: decided without generating, so that a runtime can tell before it
 * generates (it generates the view classifier only when a packet needs it).
 */
export function whyNoCode(g: CodegenGraph): string | undefined {
  if (g.segments.length === 0) return 'a graph without segments';
  if (g.segments.length > 1 && g.optimized === false) return 'unoptimized graph (one segment per rule): interpreted';
  return undefined;
}

function generate(
  g: CodegenGraph,
  opts: CodegenOptions,
  access: Access,
  tableRoots: readonly number[] = [],
): GeneratedClassifier {
  const roots = g.segments;
  const reason = whyNoCode(g);
  if (reason !== undefined) return { js: '', generated: false, reason };
  const budget = opts.budget ?? CODE_BUDGET;
  const unroll = opts.unroll ?? UNROLL_LIMIT;
  const hashMin = opts.hashMin ?? HASH_MIN;
  const split = new Map<number, SplitNode>();
  // the counting tables' nodes compete for the budget as roots too, after the segments' on equal shares
  const regionRoots = tableRoots.length === 0 ? roots : [...roots, ...tableRoots];
  const inCode = codeRegion(g, regionRoots, budget, opts.depth ?? CODE_DEPTH, unroll, hashMin, split);
  const e = new Emitter(g, inCode, unroll, hashMin, opts.eqMax ?? EQ_MAX, split, access);
  e.run();
  const leafOf = (root: number): Code =>
    root < 0 ? _`${-1 - root}` : inCode[root] ? _`n${root}(${access.params})` : _`walk(${root}, ${access.viewArgs})`;
  const body =
    roots.length === 1
      ? _`return ${leafOf(roots[0])};`
      : _`let s = 0; ${roots.map((r) => _`s = step(s, ${leafOf(r)});`)} return s;`;
  // counting table t's leaf for the packet classify() just walked (its bytes are the walk's)
  const tableCases = tableRoots.map((r, t) => _`case ${t}: return ${leafOf(r)};`);
  // the walk's state the graph's code reads (the chunk loop's generated walk stores only that)
  const graphCode = `${e.consts.join('\n')}\n${e.functions.join('\n')}\n${body.text}`;
  const demand = access === WALK_ACCESS ? walkDemand(graphCode) : undefined;
  const begun = walkBegun(graphCode);
  // the chunk loop's graph reads the walk's locals (no stores into W, no loads from it) when it reads nothing else
  const local =
    demand !== undefined && !begun
      ? localGraph(
          e.functions.map((f) => f.text),
          body.text,
        )
      : undefined;
  const entry =
    access === WALK_ACCESS
      ? _`function graph(d) { ${body} }
function classify(d, o, n, wire, linkType, tap) { W.start(d, o, n, wire, linkType, tap); return graph(d); }
function tableLeaf(t) { const d = W.d; switch (t) { ${tableCases} default: return -1; } }
${local?.code ?? _``}
${chunkLoop(demand, begun, local?.args, opts.linkTypes, opts.balanced ?? true)}
return { classify, tableLeaf, chunk };`
      : _`return function classify(p, d) { ${body} };`;
  // the walk's state as a constant of the module, so that optimized code loads its numbers directly
  const state = access === WALK_ACCESS ? _`const W = state;` : _``;
  const js = _`${PRELUDE}
${state}
${e.consts}
${e.functions}
${entry}`;
  return { js: js.text, generated: true, codeNodes: inCode.reduce((a, b) => a + b, 0) };
}
