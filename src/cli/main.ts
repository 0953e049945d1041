import { Command, CommanderError, Option } from 'commander';
import { EXIT, packageVersion, processIo, UsageError, type Io } from './io.js';
import { validate } from './validate.js';

/**
 * The command line. This is the only layer that touches argv, stdout and exit
 * codes: 0 clean, 1 findings, 2 usage or I/O error. No stack trace reaches
 * the user on any input.
 */
export function buildProgram(io: Io, setCode: (code: number) => void): Command {
  const program = new Command('tmesc')
    .description('Compile and run traffic monitoring enabler switch (.tmes) policies')
    .version(packageVersion())
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError('(run tmesc --help for usage)');

  program
    .command('validate')
    .description('check policies and report every problem (the CI linter)')
    .argument('<files...>', '.tmes policy files')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json', 'sarif', 'github']).default('text'))
    .option('--max-warnings <n>', 'exit 1 when there are more warnings than this')
    .option('--color', 'colour the text output (default: when stdout is a terminal)')
    .option('--no-color', 'never colour the output')
    .action((files: string[], opts: { format: string; maxWarnings?: string; color?: boolean }) => {
      setCode(validate(files, { ...opts, color: opts.color ?? io.isTTY }, io));
    });

  return program;
}

export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram(io, (c) => (code = c));
  try {
    await program.parseAsync(argv);
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.exitCode === 0 || e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? EXIT.ok : EXIT.usage;
    }
    if (e instanceof UsageError) {
      io.err(`tmesc: ${e.message}\n`);
      return EXIT.usage;
    }
    const err = e as NodeJS.ErrnoException;
    if (err && typeof err.code === 'string' && err.syscall) {
      io.err(`tmesc: ${err.message}\n`);
      return EXIT.usage;
    }
    io.err(`tmesc: internal error: ${(e as Error)?.message ?? String(e)}\n(please report this with the input that caused it)\n`);
    return EXIT.usage;
  }
}
