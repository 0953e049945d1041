import type { ValidateFunction } from 'ajv';
import { validate as generatedValidator } from './schema-validator.generated.js';
import type { Artifact } from './types.js';

export class ArtifactError extends Error {}

/** ARTIFACT_SCHEMA compiled by ajv ahead of time (generate-validator.ts): no schema compile at start-up. */
const validator = generatedValidator as ValidateFunction;

/** Validates against the JSON Schema, then the cross-references the schema cannot express. */
export function validateArtifact(a: unknown): Artifact {
  if (!validator(a)) {
    const first = (validator.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || '/'} ${e.message}`);
    throw new ArtifactError(`not a valid tmesc artifact: ${first.join('; ')}`);
  }
  const art = a as Artifact;
  const g = art.graph;
  const bad = (m: string) => {
    throw new ArtifactError(`not a valid tmesc artifact: ${m}`);
  };
  const groupCount = art.groups.length;
  for (const r of art.rules) {
    if (r.taps !== 'any') for (const t of r.taps) if (t >= art.taps.length) bad(`rule ${r.name} names tap ${t}`);
    for (const x of r.groups) if (x >= groupCount) bad(`rule ${r.name} names group ${x}`);
  }
  g.nodes.forEach((n, i) => {
    if (n.cuts.length !== n.kids.length) bad(`node ${i}: cuts and kids differ in length`);
    if (n.cuts[0] !== -1) bad(`node ${i}: first interval must start at -1`);
    if (n.field >= g.fields.length) bad(`node ${i}: field out of range`);
    for (let k = 1; k < n.cuts.length; k++) if (!(n.cuts[k] > n.cuts[k - 1])) bad(`node ${i}: cuts not ascending`);
    for (const kid of n.kids) {
      if (kid >= 0 ? kid <= i || kid >= g.nodes.length : -1 - kid >= g.leaves.length) bad(`node ${i}: child ${kid} out of range`);
    }
  });
  for (const s of g.segments) if (s >= g.nodes.length || -1 - s >= g.leaves.length) bad(`segment ${s} out of range`);
  for (const l of g.leaves) for (const x of [...l.to, ...l.drop, ...l.groups]) if (x >= groupCount) bad(`leaf names group ${x}`);
  for (const l of g.leaves) for (const r of l.rules) if (r >= art.rules.length) bad(`leaf names rule ${r}`);
  for (const f of g.fields) {
    const m = /^pred:(\d+)$/.exec(f);
    if (m && Number(m[1]) >= g.preds.length) bad(`field ${f} has no predicate`);
  }
  return art;
}
