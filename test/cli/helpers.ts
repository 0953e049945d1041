import { main } from '../../src/cli/main.js';
import type { Io } from '../../src/cli/io.js';

/** Runs the CLI in-process with captured output, as `tmesc ARGS` would from `cwd`; `stdin` is standard input's text. */
export async function runCli(
  args: string[],
  cwd = process.cwd(),
  stdin?: string,
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: Io = {
    out: (s) => (out += s),
    err: (s) => (err += s),
    cwd,
    isTTY: false,
    readStdin: () => {
      if (stdin === undefined) throw new Error('standard input is closed in this test');
      return stdin;
    },
  };
  const code = await main(['node', 'tmesc', ...args], io);
  return { code, out, err };
}
