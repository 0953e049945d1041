import type { ArtifactGraph } from '../../artifact/types.js';
import { generatePacketPath, whyNoCode } from '../../codegen/classifier.js';
import { WALKED_LINK_TYPES } from '../../codegen/spine.js';
import type { PacketView } from '../decode/view.js';
import { Walk } from '../walk/walk.js';
import {
  createClassifier,
  withCodeNodes,
  type ClassifierOptions,
  type Classifier,
  type ClassResult,
} from './classifier.js';

/**
 * The runtime's packet path: classification straight from the captured
 * bytes, with no decoded view. classify() walks the frame (runtime/walk) and
 * the match graph in code generated for this graph (codegen's
 * generatePacketPath), loading each field where the graph tests it; the
 * walk's state is left for the stages after it (dedup keys, session hashes,
 * actions) in `walk`, valid until the next packet.
 *
 * Graphs without generated code (-O0's per-rule segments, or tables forced
 * by tests) classify the decoder's view of each packet instead: the same
 * results, at the decoder's cost.
 */
export interface PacketPath {
  readonly kind: Classifier['kind'];
  readonly codeNodes: number;
  /** Classifies the frame of `capLen` bytes at d[o]; returns the result index. */
  classify(d: Uint8Array, o: number, capLen: number, wireLen: number, linkType: number, tap: number): number;
  readonly results: ClassResult[];
  /** The packet's walk, after classify(): offsets, the malformed flag, and the decoder's view on demand. */
  readonly walk: Walk;
  /** The view classifier over the same graph (the rule counter's tables walk it), with the same results. */
  readonly viewClassifier: Classifier;
  /**
   * After classify(), the leaf the packet reaches in counting table t
   * (graph.counting[t]), from the bytes as classify reads them; undefined
   * when the graph has no generated code (the tables then walk a view).
   */
  readonly tableLeaf: ((t: number) => number) | undefined;
  /**
   * The generated chunk loop over pcap records (codegen/chunk-loop.ts), with
   * classify() in the same module; undefined when the graph has no generated code.
   */
  readonly chunk: ChunkFn | undefined;
}

/** codegen/chunk-loop.ts: walks records of `d` from `p`; returns where it stopped (the context says how many it took). */
export type ChunkFn = (
  context: object,
  d: Uint8Array,
  v: DataView,
  p: number,
  end: number,
  quota: number,
  untilSec: number,
  untilNsec: number,
) => number;

type Classify = PacketPath['classify'];

/** What one generation of the packet path's code gives (the body generatePacketPath writes returns the first three). */
interface Generated {
  classify: Classify;
  tableLeaf: (t: number) => number;
  chunk: ChunkFn;
  codeNodes: number;
}

export function createPacketPath(g: ArtifactGraph, opts: ClassifierOptions = {}): PacketPath {
  // its code is generated only if the run falls back to the decoder's view (the generated path below is the one used)
  const viewClassifier = createClassifier(g, { ...opts, generateOnFirstUse: !opts.forceTables });
  const w = new Walk();
  if (!opts.forceTables && whyNoCode(g) === undefined) {
    // Generated on first use, with a walked chunk loop for each link type the chunks have had (a capture
    // has one, most often) rather than for all twelve the spine walks: those loops are most of the source,
    // and generating it is most of what a cached run does before its first packet (docs/design/
    // measurements.md, "startup, session 6"). A chunk of a link type without its loop generates again.
    const fixed = opts.codegen?.linkTypes;
    const linkTypes: number[] = [...(fixed ?? [])];
    const tableRoots = (g.counting ?? []).map((t) => t.root);
    let code: Generated | undefined;
    const generate = (): Generated => {
      const gen = generatePacketPath(g, { ...opts.codegen, linkTypes }, tableRoots);
      // generated just now from the validated graph's numbers; the walk, predicates, the table walk and the combiner come in as values
      const made = new Function('state', 'preds', 'walk', 'step', gen.js)(
        w,
        viewClassifier.functions,
        viewClassifier.walk,
        viewClassifier.step,
      ) as Omit<Generated, 'codeNodes'>;
      code = { ...made, codeNodes: gen.codeNodes ?? 0 };
      // later calls go straight to the generated functions
      path.classify = code.classify;
      path.tableLeaf = code.tableLeaf;
      return code;
    };
    const path: Omit<{ -readonly [K in keyof PacketPath]: PacketPath[K] }, 'codeNodes'> = {
      kind: 'generated',
      classify: (d, o, n, wire, lt, tap) => (code ?? generate()).classify(d, o, n, wire, lt, tap),
      results: viewClassifier.results,
      walk: w,
      viewClassifier,
      tableLeaf: (t) => (code ?? generate()).tableLeaf(t),
      // kept by the chunk loop (runtime/engine/chunk-loop.ts), so it stays this function: one test a chunk
      chunk: (context, d, v, p, end, quota, untilSec, untilNsec) => {
        const lt = (context as { linkType: number }).linkType;
        if (fixed === undefined && !linkTypes.includes(lt) && WALKED_LINK_TYPES.includes(lt)) {
          linkTypes.push(lt);
          code = undefined;
        }
        return (code ?? generate()).chunk(context, d, v, p, end, quota, untilSec, untilNsec);
      },
    };
    return withCodeNodes(path, () => (code ?? generate()).codeNodes);
  }
  const viaView: Classify = (d, o, n, wire, lt, tap) => {
    w.start(d, o, n, wire, lt, tap);
    return viewClassifier.classify(w.view(), w.frame());
  };
  return {
    kind: viewClassifier.kind,
    codeNodes: 0,
    classify: viaView,
    results: viewClassifier.results,
    walk: w,
    viewClassifier,
    tableLeaf: undefined,
    chunk: undefined,
  };
}

export type { PacketView };
