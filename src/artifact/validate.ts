import type { ErrorObject, ValidateFunction } from 'ajv';
import { validate as generatedValidator } from './schema-validator.generated.js';
import { patternProblems } from './patterns.js';
import { checkGraph, GraphError } from '../ir/graph-invariants.js';
import { groupUsesStep, STEP_ORDER } from './steps.js';
import { ARTIFACT_FORMAT_VERSION, LEGACY_FORMAT_VERSION, type Artifact } from './types.js';

export class ArtifactError extends Error {}

/** ARTIFACT_SCHEMA compiled by ajv ahead of time (generate-validator.ts): no schema compile at start-up. */
const validator = generatedValidator as ValidateFunction;

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/**
 * A format 1 artifact as format 2: the same object without its `classifier`,
 * the generated code that format 1 carried and the runtime used to evaluate.
 * That code is checked for its format 1 shape (so what loaded before still
 * loads, and nothing else does) and never otherwise read. Anything else is
 * returned as it is, for the schema to judge.
 */
function upgradeLegacy(a: unknown): unknown {
  if (!isRecord(a) || a.format !== 'tmesc-artifact' || a.formatVersion !== LEGACY_FORMAT_VERSION) return a;
  const { classifier, ...rest } = a;
  if (classifier !== undefined) {
    const ok = isRecord(classifier) && typeof classifier.js === 'string' && Object.keys(classifier).length === 1;
    if (!ok)
      throw new ArtifactError('not a valid tmesc artifact: /classifier must be an object with a string js (format 1)');
  }
  return { ...rest, formatVersion: ARTIFACT_FORMAT_VERSION };
}

/** Names the member an `additionalProperties` error is about; format 1's code gets a word of its own. */
function extra(e: ErrorObject): string {
  if (e.keyword !== 'additionalProperties') return '';
  const name = String((e.params as { additionalProperty?: unknown }).additionalProperty);
  if (e.instancePath === '' && name === 'classifier')
    return ` (classifier: format ${ARTIFACT_FORMAT_VERSION} artifacts carry no code; the runtime generates it from the graph)`;
  return ` (${JSON.stringify(name)})`;
}

/**
 * Validates against the JSON Schema, then the cross-references the schema
 * cannot express. Returns the artifact, as format 2: a format 1 artifact
 * comes back as a new object without the code it carried (the argument is
 * left as it is). What it returns is data only; nothing in it is ever run.
 */
export function validateArtifact(input: unknown): Artifact {
  const a = upgradeLegacy(input);
  if (
    isRecord(a) &&
    a.format === 'tmesc-artifact' &&
    typeof a.formatVersion === 'number' &&
    a.formatVersion > ARTIFACT_FORMAT_VERSION
  ) {
    throw new ArtifactError(
      `artifact format ${a.formatVersion} is newer than this tmesc reads (${LEGACY_FORMAT_VERSION} and ${ARTIFACT_FORMAT_VERSION}): run it with the tmesc that compiled it, or recompile`,
    );
  }
  if (!validator(a)) {
    const first = (validator.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || '/'} ${e.message}${extra(e)}`);
    throw new ArtifactError(`not a valid tmesc artifact: ${first.join('; ')}`);
  }
  const art = a as Artifact;
  const bad = (m: string) => {
    throw new ArtifactError(`not a valid tmesc artifact: ${m}`);
  };
  const groupCount = art.groups.length;
  for (const r of art.rules) {
    if (r.taps !== 'any') for (const t of r.taps) if (t >= art.taps.length) bad(`rule ${r.name} names tap ${t}`);
    for (const x of r.groups) if (x >= groupCount) bad(`rule ${r.name} names group ${x}`);
  }
  // the graph's invariants, the same checker the compiler's graphs are held to in tests
  try {
    checkGraph(art.graph, { rules: art.rules.length, groups: groupCount });
  } catch (e) {
    if (e instanceof GraphError) bad(`graph: ${e.message}`);
    throw e;
  }
  for (const gr of art.groups) {
    const steps = gr.steps;
    if (!steps) continue;
    // a step left out would silently not run: a mask skipped leaks what it should hide
    for (const s of STEP_ORDER)
      if (groupUsesStep(s, gr.actions) && !steps.includes(s)) bad(`group ${gr.name} lacks its ${s} step`);
    const dedup = steps.indexOf('dedup');
    if (dedup > 0) bad(`group ${gr.name}: dedup must be the first step`);
    if (steps.at(-1) !== 'output') bad(`group ${gr.name}: output must be the last step`);
  }
  const refused = patternProblems(art);
  if (refused.length) bad(refused.join('; '));
  return art;
}
