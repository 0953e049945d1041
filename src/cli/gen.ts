import { GEN_CLI_OPTIONS, runGenerate, type GenCliOptions } from '../gen/index.js';
import type { Io } from './io.js';

export { GEN_CLI_OPTIONS };

/** tmesc gen: the project's own traffic generator, for samples, tests and benchmarks. */
export function genCommand(opts: GenCliOptions, io: Io): number {
  return runGenerate(opts, { stdout: (l) => io.out(l + '\n'), stderr: (l) => io.err(l + '\n') });
}
