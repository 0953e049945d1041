import type { Artifact } from '../artifact/types.js';
import { groupSteps, needsChain } from '../runtime/actions/chain.js';

/**
 * What parts of the runtime a `tmesc run` used, named coarsely: the actions
 * its groups' chains run (a mask by its kind), the output formats, the tap
 * marks, how the policy came (artifact or policy cache) and whether workers
 * ran. bin/run-path.js keeps them beside the run path's V8 code cache: V8
 * compiles functions lazily, so a cache holds only what the run that wrote it
 * used, and a run that uses more compiles the rest at every start (a plain
 * run's cache left a masking run 35-70 M instructions of compiling, each run:
 * docs/design/measurements.md, "fixed costs, session 10"). A run whose
 * features the cache's do not cover writes it again, with both.
 */
const used = new Set<string>();

export function noteRunFeatures(a: Artifact, how: { fromArtifact: boolean; workers: number | undefined }): void {
  used.add(how.fromArtifact ? 'artifact' : 'policy');
  if (how.workers !== undefined && how.workers > 0) used.add('workers');
  for (const t of a.taps) for (const m of t.marks) used.add(`mark:${m.kind}`);
  for (const g of a.groups) {
    if (g.tools.length > 1) used.add('balanced');
    for (const t of g.tools) used.add(`out:${t.output.kind}`);
    if (!needsChain(g)) continue;
    // a chain's own steps (its mark and balance are not the pipeline's); every group writes its output
    for (const s of groupSteps(g)) if (s !== 'output') used.add(`step:${s}`);
    for (const m of g.actions.masks) used.add(`mask:${m.kind}`);
  }
}

/** The features noted so far, sorted (none when the run did not get as far as running a policy). */
export function runFeatures(): string[] {
  return [...used].sort();
}
