import type { ArtifactGraph } from '../../artifact/types.js';
import { generateClassifier, whyNoCode, type CodegenOptions } from '../../codegen/classifier.js';
import type { PacketView } from '../decode/view.js';
import type { PredicateFn } from './predicates.js';
import { functionsOf, slotsOf, Tables } from './tables.js';
import { Combiner, type ClassResult } from './combine.js';

/**
 * Classification: from a decoded packet to a result, the rules that matched
 * and the groups the packet goes to. Results are interned, so the hot path
 * returns a small integer and stats index arrays with it.
 */
export type { ClassResult };

export interface Classifier {
  readonly kind: 'generated' | 'table' | 'segments';
  /** Nodes that are generated code (the rest are walked from tables); 0 unless `kind` is 'generated'. */
  readonly codeNodes: number;
  classify(p: PacketView, d: Uint8Array): number;
  readonly results: ClassResult[];
  /** The table walk over the whole graph (counting tables use it), built on first need. */
  walk(node: number, p: PacketView, d: Uint8Array): number;
  /** The functions the graph's predicate and load fields read (functionsOf), for the packet path. */
  readonly functions: readonly PredicateFn[];
  /** Interns a segment's leaf into the combination so far (several segments); undefined with one. */
  readonly step: ((state: number, leaf: number) => number) | undefined;
}

export interface ClassifierOptions {
  /** Walk tables instead of generating code (tests compare the two). */
  forceTables?: boolean;
  /** Options for the code generator (tests shrink its budget and limits to exercise every lookup). */
  codegen?: CodegenOptions;
  /** Fewest single values for a hash lookup in the tables (tests lower it to exercise hashing). */
  hashMin?: number;
  /**
   * Generate the code on the first classify() rather than now. The packet path (packet-path.ts) sets it:
   * it makes this classifier for its tables, predicates and results, generates its own code from the same
   * graph (so a graph the code builder refuses still fails at load), and calls this one only when the run
   * falls back to the decoder. A 10,000-rule graph's code takes ~90 ms to generate.
   */
  generateOnFirstUse?: boolean;
}

type Classify = (p: PacketView, d: Uint8Array) => number;

/**
 * The classifier for a validated graph. An optimized graph gets code,
 * generated here and now from the graph by tmesc's code generator, which
 * splices nothing but numbers and checked identifiers into it; the rest is
 * walked from tables, as is an -O0 graph of several rules (the naive
 * baseline). A graph of one segment returns the leaf reached; one of several
 * returns the state into which a Combiner interns the leaves reached.
 *
 * Code is never taken from outside: it is generated here from the graph's
 * numbers (format 1 artifacts carried generated code; validateArtifact drops
 * it unread), so an edited artifact cannot run code.
 */
export function createClassifier(g: ArtifactGraph, opts: ClassifierOptions = {}): Classifier {
  // predicates, then byte loads: the functions the graph's pred: and load: fields read
  const preds = functionsOf(g);
  // unknown fields fail here (before code generation) rather than on the first packet that reaches them
  slotsOf(g);
  let tables: Tables | undefined;
  const walk = (id: number, p: PacketView, d: Uint8Array) => (tables ??= new Tables(g, preds, opts)).walk(id, p, d);
  const single = g.segments.length === 1;
  const leafResults = (): ClassResult[] =>
    g.leaves.map((l) => ({ rules: l.rules, groups: l.groups, to: l.to, drop: l.drop }));
  const combiner = single ? undefined : new Combiner(g);
  const results = combiner ? combiner.results : leafResults();
  const compile = (): { classify: Classify; codeNodes: number } | undefined => {
    const gen = generateClassifier(g, opts.codegen);
    if (!gen.generated) return undefined;
    // generated just now from the validated graph's numbers; predicates, the walk and the combiner come in as closures
    const classify = new Function('preds', 'walk', 'step', gen.js)(preds, walk, combiner?.step) as Classify;
    return { classify, codeNodes: gen.codeNodes ?? 0 };
  };
  if (!opts.forceTables && opts.generateOnFirstUse && whyNoCode(g) === undefined) {
    let code: ReturnType<typeof compile>;
    const generated = () => (code ??= compile())!;
    const c: Omit<Classifier, 'codeNodes'> = {
      kind: 'generated',
      // replaced by the generated function on the first call, so later calls go straight to it
      classify: (p, d) => (c.classify = generated().classify)(p, d),
      results,
      walk,
      functions: preds,
      step: combiner?.step,
    };
    return withCodeNodes(c, () => generated().codeNodes);
  }
  const code = opts.forceTables ? undefined : compile();
  if (code) {
    const { classify, codeNodes } = code;
    return { kind: 'generated', codeNodes, classify, results, walk, functions: preds, step: combiner?.step };
  }
  const t = (tables ??= new Tables(g, preds, opts));
  if (single) {
    const root = g.segments[0];
    const classify: Classify = root < 0 ? () => -1 - root : (p, d) => t.walk(root, p, d);
    return { kind: 'table', codeNodes: 0, classify, results, walk, functions: preds, step: undefined };
  }
  const segs = Int32Array.from(g.segments);
  const step = combiner!.step;
  return {
    kind: g.optimized ? 'table' : 'segments',
    codeNodes: 0,
    results,
    walk,
    functions: preds,
    step,
    classify(p, d) {
      let s = 0;
      for (let i = 0; i < segs.length; i++) {
        const root = segs[i];
        s = step(s, root < 0 ? -1 - root : t.walk(root, p, d));
      }
      return s;
    },
  };
}

/**
 * `o` with a `codeNodes` getter. Defined after the object is made: a getter
 * in the object literal leaves the object in V8's dictionary mode, where
 * optimized code reads none of its properties inline but calls the load
 * IC for each (~75 instructions; the packet loop reads `classify`, `walk`
 * and `tableLeaf` a packet: docs/design/measurements.md, "actions, session 7").
 */
export function withCodeNodes<T extends object>(o: T, codeNodes: () => number): T & { readonly codeNodes: number } {
  return Object.defineProperty(o, 'codeNodes', { get: codeNodes, enumerable: true }) as T & {
    readonly codeNodes: number;
  };
}
