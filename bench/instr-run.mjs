// One in-process `tmesc run` of an artifact over its own tap files, for
// bench/instructions.ts to count under callgrind: node ../dist directly,
// without the CLI, so the count is the runtime's and not start-up noise.
//
//   node bench/instr-run.mjs ARTIFACT OUT_DIR
import { readFileSync } from 'node:fs';
import { validateArtifact } from '../dist/artifact/validate.js';
import { runArtifact } from '../dist/runtime/run/run.js';

const [artifact, outDir] = process.argv.slice(2);
const stats = await runArtifact(validateArtifact(JSON.parse(readFileSync(artifact, 'utf8'))), {
  inputs: new Map(),
  outDir,
  workers: 0,
});
console.log(JSON.stringify({ packets: stats.packetsRead, delivered: stats.groups.map((g) => g.delivered) }));
