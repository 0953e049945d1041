import type { GroupActions, Precision, Predicate, TapMark, TapSource } from '../policy/policy.js';
import type { StepName } from './steps.js';

/**
 * The compiled artifact: everything the runtime needs, as plain JSON, so a
 * policy compiled once runs anywhere without the compiler. Described by
 * ARTIFACT_SCHEMA and validated with ajv on write and on load.
 *
 * It is data only, never code: the runtime generates the classifier from the
 * validated graph with tmesc's own code generator. Format 1 also carried that
 * generated JavaScript (`classifier: { js }`), which the runtime evaluated, so
 * whoever could edit an artifact could run code in the broker; format 2 drops
 * it. Format 1 artifacts still load: validateArtifact discards their code
 * unread and hands on the rest as format 2 (docs/artifact.md).
 */
export const ARTIFACT_FORMAT_VERSION = 2;
/** The format before 2: the same artifact plus the generated code, which is discarded on load. */
export const LEGACY_FORMAT_VERSION = 1;

export interface ArtifactTool {
  name: string;
  output: { kind: 'interface' | 'pcap' | 'pcapng'; target: string; precision?: Precision };
  rateBps?: number;
}

export interface ArtifactGroup {
  name: string;
  tools: ArtifactTool[];
  balance: { symmetric: boolean; inner: boolean };
  actions: GroupActions;
  /**
   * What happens to the group's replicas, in order (see STEP_ORDER). Every
   * action the group has is listed; absent in artifacts written before
   * actions ran, which get STEP_ORDER's.
   */
  steps?: StepName[];
}

export interface ArtifactGraph {
  fields: string[];
  preds: Predicate[];
  /** [field, cuts, kids, lookup] per node; a kid below zero is leaf -1-kid. */
  nodes: { field: number; cuts: number[]; kids: number[]; lookup: 'compare' | 'binary' | 'hash' }[];
  leaves: { rules: number[]; to: number[]; drop: number[]; groups: number[] }[];
  /** Roots of the segments; a packet goes to the union of what their leaves say (src/ir/graph.ts). */
  segments: number[];
  /** Tables counting the rules that segments with group leaves do not list; absent when there are none. */
  counting?: { segment: number; root: number; groups: number[] }[];
  optimized: boolean;
  /** Whether every rule has a counter (listed in leaves or in a counting table). */
  ruleLevel: boolean;
  /** When ruleLevel is false, the rules without a counter; absent (artifacts of earlier versions): none has one. */
  uncounted?: number[];
}

export interface Artifact {
  /** The JSON Schema it follows: ARTIFACT_SCHEMA's $id. */
  $schema?: string;
  format: 'tmesc-artifact';
  formatVersion: typeof ARTIFACT_FORMAT_VERSION;
  compiler: { name: 'tmesc'; version: string };
  /**
   * Where the relative paths below are relative to: the compiled policy's
   * directory, relative to the directory holding the artifact (paths.ts).
   */
  base?: string;
  policy: { name: string; files: string[]; sourceHash: string };
  taps: { name: string; source: TapSource; marks: TapMark[] }[];
  groups: ArtifactGroup[];
  rules: { name: string; taps: number[] | 'any'; action: 'to' | 'drop'; groups: number[] }[];
  graph: ArtifactGraph;
}
