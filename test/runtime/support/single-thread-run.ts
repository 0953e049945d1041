import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Artifact } from '../../../src/artifact/types.js';
import type { ChunkLoop } from '../../../src/runtime/capture/chunk-loop.js';
import { Engine } from '../../../src/runtime/engine/engine.js';
import type { PacketPathChoice } from '../../../src/runtime/engine/packet-path-choice.js';
import { Pipeline } from '../../../src/runtime/engine/pipeline.js';
import { FileTapSource } from '../../../src/runtime/engine/sources.js';
import { ToolOutput } from '../../../src/runtime/output/tool-output.js';
import { describeTap, outputSpecs } from '../../../src/runtime/run/tap-inputs.js';

export interface SingleThreadRun {
  /** Each tool's output file, groups in order. */
  outputs: Buffer[];
  /** The run's counters as JSON, without the time taken and with the output directory named OUT. */
  stats: string;
  /** Records the chunk loops took. */
  taken: number;
  /** Times auto left the generated path for the decoder's. */
  switches: number;
}

let runs = 0;

/**
 * The run's single-thread assembly (runtime/run/run.ts) over `tapFiles` (one list a tap), with a read buffer of
 * `bufferSize`, the generated chunk loops on or off, into a new directory under `dir`.
 */
export async function singleThreadRun(
  dir: string,
  a: Artifact,
  tapFiles: string[][],
  path: PacketPathChoice,
  loop: boolean,
  bufferSize: number,
  adaptWindow?: number,
  /** Told of each chunk loop the pipeline makes, and its tap, before it runs. */
  onLoop?: (loop: ChunkLoop, tap: number) => void,
): Promise<SingleThreadRun> {
  const out = join(dir, `out${runs++}`);
  mkdirSync(out);
  const sources = tapFiles.map(
    (fs, tap) => new FileTapSource(tap, fs, { readAhead: false, views: false, copyRuns: true, bufferSize }),
  );
  const engine = new Engine();
  for (const s of sources) engine.register(s);
  await engine.prime();
  const inputs = sources.map((s, i) => describeTap(s, tapFiles[i]));
  const paths = a.groups.map((g, gi) => g.tools.map((t, ti) => join(out, `${gi}-${ti}.${t.output.kind}`)));
  const outputs = outputSpecs(a, paths, inputs).map((g) => g.map((s) => new ToolOutput(s)));
  const pipeline = new Pipeline(a, outputs, tapFiles, { packetPath: path, recordViews: false, adaptWindow });
  let taken = 0;
  if (loop)
    for (const s of sources)
      s.useChunkLoops((f) => {
        const l = pipeline.chunkLoop(s.tap, f);
        if (l === undefined) return undefined;
        onLoop?.(l, s.tap);
        const counted: ChunkLoop = {
          run(...args) {
            const stop = l.run(...args);
            taken += l.handled;
            return stop;
          },
          get handled() {
            return l.handled;
          },
        };
        return counted;
      });
  await engine.run((rec, tap) => pipeline.handle(rec, tap), { quota: 256 });
  pipeline.finish();
  for (const g of outputs) for (const o of g) await o.close();
  const { seconds: _s, ...stats } = pipeline.collect();
  return {
    outputs: paths.flat().map((p) => readFileSync(p)),
    // the output directory is the run's own
    stats: JSON.stringify(stats).replaceAll(out, 'OUT'),
    taken,
    switches: pipeline.switches,
  };
}
