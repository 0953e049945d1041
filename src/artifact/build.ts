import type { Compiled } from '../ir/compile.js';
import type { Policy } from '../policy/policy.js';
import { stepsOf } from './steps.js';
import { ARTIFACT_FORMAT_VERSION, type Artifact } from './types.js';
import { validateArtifact } from './validate.js';

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
  opts: { validate?: boolean } = {},
): Artifact {
  const g = compiled.graph;
  const artifact: Artifact = {
    format: 'tmesc-artifact',
    formatVersion: ARTIFACT_FORMAT_VERSION,
    compiler: { name: 'tmesc', version: compilerVersion },
    policy: { name: policy.name, files: policy.files, sourceHash: policy.sourceHash },
    taps: policy.taps.map((t) => ({ name: t.name, source: t.source, marks: t.marks })),
    groups: policy.groups.map((gr) => ({
      name: gr.name,
      tools: gr.tools.map((t) => ({
        name: t.name,
        output: t.output,
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
      optimized: g.optimized,
      ruleLevel: g.ruleLevel,
    },
  };
  if (opts.validate === false) return artifact;
  // Validated as built, not after a JSON round trip (which cost more than compiling the
  // graph of a large policy): every part is plain JSON data (the policy's, the graph's
  // numbers, predicates that were JSON to begin with), so it is written as it is; what
  // JSON would alter (NaN, Infinity, holes, undefined members) the schema rejects here.
  return validateArtifact(artifact);
}
