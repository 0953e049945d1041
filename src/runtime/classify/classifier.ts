import type { ArtifactGraph } from '../../artifact/types.js';
import { generateClassifier, type CodegenOptions } from '../../codegen/classifier.js';
import type { PacketView } from '../decode/view.js';
import { buildPredicate } from './predicates.js';
import { slotOf, Tables } from './tables.js';

/**
 * Classification: from a decoded packet to a result, the rules that matched
 * and the groups the packet goes to. Results are interned, so the hot path
 * returns a small integer and stats index arrays with it.
 */
export interface ClassResult {
  rules: readonly number[];
  groups: readonly number[];
}

export interface Classifier {
  readonly kind: 'generated' | 'table' | 'segments';
  /** Nodes that are generated code (the rest are walked from tables); 0 unless `kind` is 'generated'. */
  readonly codeNodes: number;
  classify(p: PacketView, d: Uint8Array): number;
  readonly results: ClassResult[];
}

export interface ClassifierOptions {
  /** Walk tables instead of generating code (tests compare the two). */
  forceTables?: boolean;
  /** Options for the code generator (tests shrink its budget and limits to exercise every lookup). */
  codegen?: CodegenOptions;
  /** Fewest single values for a hash lookup in the tables (tests lower it to exercise hashing). */
  hashMin?: number;
}

type Classify = (p: PacketView, d: Uint8Array) => number;

/**
 * The classifier for a validated graph. A single-segment graph gets code,
 * generated here and now from the graph by tmesc's code generator, which
 * splices nothing but numbers and checked identifiers into it; the rest is
 * walked from tables.
 *
 * Code is never taken from outside: it is generated here from the graph's
 * numbers (format 1 artifacts carried generated code; validateArtifact drops
 * it unread), so an edited artifact cannot run code.
 */
export function createClassifier(g: ArtifactGraph, opts: ClassifierOptions = {}): Classifier {
  const preds = g.preds.map(buildPredicate);
  const leafResults: ClassResult[] = g.leaves.map((l) => ({ rules: l.rules, groups: l.groups }));
  if (g.segments.length === 1 && !opts.forceTables) {
    // unknown fields fail here (before code generation) rather than on the first packet that reaches them
    for (const f of g.fields) slotOf(f);
    const gen = generateClassifier(g, opts.codegen);
    if (gen.generated) {
      // deep nodes the code leaves out are walked from tables, built on first need
      let tables: Tables | undefined;
      const walk = (id: number, p: PacketView, d: Uint8Array) => (tables ??= new Tables(g, preds, opts)).walk(id, p, d);
      // generated just now from the validated graph's numbers; predicates come in as closures
      const classify = new Function('preds', 'walk', gen.js)(preds, walk) as Classify;
      return { kind: 'generated', codeNodes: gen.codeNodes ?? 0, classify, results: leafResults };
    }
  }
  const tables = new Tables(g, preds, opts);
  if (g.segments.length === 1) {
    const root = g.segments[0];
    return { kind: 'table', codeNodes: 0, classify: (p, d) => tables.walk(root, p, d), results: leafResults };
  }
  // -O0: every rule's own graph; the combination of leaves is interned on first sight
  const results: ClassResult[] = [];
  const seen = new Map<string, number>();
  const segs = g.segments;
  return {
    kind: 'segments',
    codeNodes: 0,
    results,
    classify(p, d) {
      let key = '';
      for (let i = 0; i < segs.length; i++) {
        const leaf = tables.walk(segs[i], p, d);
        if (g.leaves[leaf].rules.length) key += leaf + ',';
      }
      let id = seen.get(key);
      if (id === undefined) {
        const to = new Set<number>();
        const drop = new Set<number>();
        const rules: number[] = [];
        for (const s of key.split(',').filter(Boolean)) {
          const l = g.leaves[Number(s)];
          rules.push(...l.rules);
          l.to.forEach((x) => to.add(x));
          l.drop.forEach((x) => drop.add(x));
        }
        id = results.length;
        results.push({
          rules: rules.sort((a, b) => a - b),
          groups: [...to].filter((x) => !drop.has(x)).sort((a, b) => a - b),
        });
        seen.set(key, id);
      }
      return id;
    },
  };
}
