import { main } from '../../src/cli/main.js';
import type { Io } from '../../src/cli/io.js';

/** Runs the CLI in-process with captured output, as `tmesc ARGS` would from `cwd`. */
export async function runCli(args: string[], cwd = process.cwd()): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: Io = { out: (s) => (out += s), err: (s) => (err += s), cwd, isTTY: false };
  const code = await main(['node', 'tmesc', ...args], io);
  return { code, out, err };
}
