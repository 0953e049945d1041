import { main } from './main.js';
import { processIo, type Io } from './io.js';

export { runFeatures } from './run-features.js';

/**
 * The entry of dist/bundle/run-path.js, the one script `tmesc run` starts from
 * (bin/run-path.js loads it with V8's code cache; scripts/bundle.mjs builds
 * it). It holds the whole CLI up to a run of a cached policy, and leaves out
 * every module a command loads on demand but `run`'s own (the compiler, the
 * other commands, live capture): each of those is replaced by a stand-in that
 * calls fullCliNeeded(). Reaching one means that this run needs the full CLI;
 * nothing has been written yet at that point (the policy cache's lookup and
 * the argument checks print nothing on a miss), so the run is dropped and
 * started again from the ES module bundle.
 */
let needed = false;

export function fullCliNeeded(): void {
  needed = true;
}

/** The exit code, or undefined when the run needs the full CLI (and has written nothing). */
export async function runPath(argv: string[]): Promise<number | undefined> {
  const io: Io = processIo();
  // once a stand-in is reached, main only reports that its module is missing: that report is not the user's
  const { out, err } = io;
  io.out = (s) => void (needed || out(s));
  io.err = (s) => void (needed || err(s));
  const code = await main(argv, io);
  return needed ? undefined : code;
}
