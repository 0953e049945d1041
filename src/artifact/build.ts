import { createHash } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import type { Compiled } from '../ir/compile.js';
import type { Policy } from '../policy/policy.js';
import { relativePath, storedPath } from './paths.js';
import { ARTIFACT_SCHEMA } from './schema.js';
import { stepsOf } from './steps.js';
import { ARTIFACT_FORMAT_VERSION, type Artifact } from './types.js';
import { validateArtifact } from './validate.js';

export interface BuildArtifactOptions {
  /** Validate against the schema (default); false when it goes straight to the runtime in this process. */
  validate?: boolean;
  /**
   * Where the artifact will be: its paths are written relative to the
   * policy's directory and `base` says where that is from `artifactDir`.
   * Without it the paths stay as the checker resolved them (absolute).
   */
  layout?: {
    /** Directory the artifact is written to (the working directory when it goes to standard output). */
    artifactDir: string;
    /** The text of every file the policy was read from, by the name the checker gave it (policy.files). */
    sources?: ReadonlyMap<string, string>;
  };
}

/** The schema's own address, which an artifact names as its `$schema`. */
export const ARTIFACT_SCHEMA_ID: string = ARTIFACT_SCHEMA.$id;

/**
 * Assembles the artifact for a compiled policy. It is validated against the
 * schema unless it goes straight to the runtime in the same process (it is
 * validated again whenever it is written or loaded). It holds no code: the
 * runtime generates the classifier from the graph (`tmesc compile --emit js`
 * prints that code for review).
 */
export function buildArtifact(
  policy: Policy,
  compiled: Compiled,
  compilerVersion: string,
  opts: BuildArtifactOptions = {},
): Artifact {
  const g = compiled.graph;
  const layout = opts.layout;
  // the root policy's directory (for a policy read from standard input, the working directory)
  const policyDir = dirname(resolve(policy.files[0] ?? '.'));
  const stored = (abs: string, span: Parameters<typeof storedPath>[1]) =>
    layout ? storedPath(abs, span, policyDir) : abs;
  const files = layout
    ? policy.files.map((f) => (f === '<stdin>' ? f : relativePath(policyDir, resolve(f))))
    : policy.files;
  const artifact: Artifact = {
    $schema: ARTIFACT_SCHEMA_ID,
    format: 'tmesc-artifact',
    formatVersion: ARTIFACT_FORMAT_VERSION,
    compiler: { name: 'tmesc', version: compilerVersion },
    ...(layout ? { base: relativePath(layout.artifactDir, policyDir) } : {}),
    policy: { name: policy.name, files, sourceHash: sourceHash(policy, files, layout?.sources) },
    taps: policy.taps.map((t) => ({
      name: t.name,
      source:
        t.source.kind === 'files' ? { ...t.source, paths: t.source.paths.map((p) => stored(p, t.span)) } : t.source,
      marks: t.marks,
    })),
    groups: policy.groups.map((gr) => ({
      name: gr.name,
      tools: gr.tools.map((t) => ({
        name: t.name,
        output: t.output.kind === 'interface' ? t.output : { ...t.output, target: stored(t.output.target, t.span) },
        ...(t.rateBps !== undefined ? { rateBps: t.rateBps } : {}),
      })),
      balance: gr.balance,
      actions: gr.actions,
      steps: stepsOf(gr.actions),
    })),
    rules: policy.rules.map((r) => ({ name: r.name, taps: r.taps, action: r.action, groups: r.groups })),
    graph: {
      fields: g.fields,
      preds: g.preds,
      nodes: g.nodes,
      leaves: g.leaves,
      segments: g.segments,
      ...(g.counting.length ? { counting: g.counting } : {}),
      optimized: g.optimized,
      ruleLevel: g.ruleLevel,
      ...(g.ruleLevel ? {} : { uncounted: g.uncounted }),
    },
  };
  if (opts.validate === false) return artifact;
  // Validated as built, not after a JSON round trip (which cost more than compiling the
  // graph of a large policy): every part is plain JSON data (the policy's, the graph's
  // numbers, predicates that were JSON to begin with), so it is written as it is; what
  // JSON would alter (NaN, Infinity, holes, undefined members) the schema rejects here.
  return validateArtifact(artifact);
}

/**
 * SHA-256 over each file's name as the artifact lists it and its text, so
 * that the same policy tree compiles to the same hash from any directory;
 * the checker's own (over the names relative to the working directory) when
 * the texts were not recorded.
 */
function sourceHash(policy: Policy, names: string[], sources: ReadonlyMap<string, string> | undefined): string {
  if (!sources || policy.files.some((f) => !sources.has(f))) return policy.sourceHash;
  const hash = createHash('sha256');
  policy.files.forEach((f, i) => hash.update(names[i]).update('\0').update(sources.get(f)!).update('\0'));
  return hash.digest('hex');
}
