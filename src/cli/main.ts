import { Command, CommanderError, Option } from 'commander';
import { EXIT, packageVersion, PolicyInvalid, processIo, UsageError, type Io } from './io.js';
import { escapeForTerminal } from '../diagnostics/render/terminal.js';
import { collect, INCLUDE_ROOT_FLAGS, INCLUDE_ROOT_HELP } from './include-roots.js';

/** What `gen --mix` and `--encap` take, for the help text (test/cli/gen.test.ts holds them equal to the generator's). */
export const GEN_MIX_KINDS = ['tcp', 'dns', 'udp', 'icmp', 'arp', 'multicast', 'broadcast'];
export const GEN_ENCAP_KINDS = ['vlan', 'qinq', 'mpls', 'gre', 'vxlan', 'gtpu'];

interface ValidateCliOptions {
  format: string;
  maxWarnings?: string;
  color?: boolean;
  config?: string | false;
  failLevel?: string;
  baseline?: string;
  writeBaseline?: string;
  fix?: boolean;
  unsafeFixes?: boolean;
  includeRoot: string[];
}

// Each command loads its own modules when it runs, so `tmesc gen`, `--help`
// and `run --artifact` do not pay for the parser and the compiler.

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
    .addOption(
      new Option('-f, --format <format>', 'output format').choices(['text', 'json', 'sarif', 'github']).default('text'),
    )
    .option('--max-warnings <n>', 'exit 1 when there are more warnings than this')
    .option('--color', 'colour the text output (default: when stdout is a terminal)')
    .option('--no-color', 'never colour the output')
    .option('--config <file>', 'the lint configuration for every policy (default: .tmesc.json found up the tree)')
    .option('--no-config', 'no lint configuration: every code at its default severity')
    .addOption(
      new Option('--fail-level <level>', 'the least severe finding that fails the run (default: error)').choices([
        'error',
        'warning',
        'info',
      ]),
    )
    .option('--baseline <file>', 'do not report the findings this baseline file knows; report its stale entries')
    .option('--write-baseline <file>', 'write every finding but errors to a baseline file')
    .option('--fix', 'apply the safe fixes the findings carry, then validate again')
    .option('--unsafe-fixes', 'with --fix: apply every fix, guesses included (the closest name for an unknown one)')
    .option(INCLUDE_ROOT_FLAGS, INCLUDE_ROOT_HELP, collect, [] as string[])
    .action(async (files: string[], opts: ValidateCliOptions) => {
      const { validate } = await import('./validate.js');
      setCode(await validate(files, { ...opts, color: opts.color ?? io.isTTY }, io));
    });

  program
    .command('compile')
    .description(
      'compile a policy into its match graph: the artifact the runtime runs, or a listing (as tcpdump -d), dot or code; or into an OpenFlow program for a switch',
    )
    .argument('<policy>', '.tmes policy file')
    .option(
      '-o, --output <file>',
      'write here instead of standard output (--emit openflow: the directory for its files)',
    )
    .addOption(
      new Option('--emit <what>', "what to produce (bpf: each tap's kernel capture filter, as JSON)")
        .choices(['artifact', 'js', 'listing', 'dot', 'bpf', 'openflow'])
        .default('artifact'),
    )
    .option('--ports <map>', 'with --emit openflow: the ports map (which switch port each tap, tool and host is on)')
    .addOption(
      new Option(
        '--match-fields <where>',
        'with --emit openflow: match L4 ports and IPv4 addresses where the switch parses them (headers: a flow per protocol family), moved into registers (one flow per value, a datapath flow per connection), or auto (registers where they save a quarter of the flows and 500 or more; the default)',
      ).choices(['auto', 'headers', 'registers']),
    )
    .addOption(
      new Option('-O, --optimize <level>', '1 optimizes; -O0 gives one naive graph per rule')
        .choices(['0', '1'])
        .default('1'),
    )
    .option('--compact', 'write the artifact on one line (default: one member, graph node or leaf a line)')
    .option(INCLUDE_ROOT_FLAGS, INCLUDE_ROOT_HELP, collect, [] as string[])
    .action(
      async (
        policy: string,
        opts: {
          output?: string;
          emit: string;
          optimize: string;
          compact?: boolean;
          includeRoot: string[];
          ports?: string;
          matchFields?: string;
        },
      ) => {
        const { compileCommand } = await import('./compile.js');
        setCode(
          await compileCommand(
            policy,
            {
              output: opts.output,
              emit: opts.emit,
              optimize: opts.optimize !== '0',
              compact: opts.compact,
              includeRoot: opts.includeRoot,
              ports: opts.ports,
              matchFields: opts.matchFields,
            },
            io,
          ),
        );
      },
    );

  program
    .command('explain')
    .description(
      'which rules match a packet, the groups and tools it reaches, and its path through the graph; the packet is described (--packet) or read from a capture (--pcap, --frame)',
    )
    .argument('<policy>', '.tmes policy file (- for standard input)')
    .option(
      '-p, --packet <description>',
      'a packet, e.g. "tap core-a tcp 10.0.0.1:51000 > 192.0.2.80:443 vlan 101 flags syn" (repeat for more)',
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option('--pcap <file>', 'a capture file holding the packets to explain (with --frame)')
    .option(
      '--frame <n>',
      'packet number in --pcap, from 1 as Wireshark numbers them: N, N,M or N-M (repeat for more)',
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option('--tap <name>', 'the tap the packets came from (a description may name its own with `tap NAME`)')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option(INCLUDE_ROOT_FLAGS, INCLUDE_ROOT_HELP, collect, [] as string[])
    .action(
      async (
        policy: string,
        opts: { packet: string[]; pcap?: string; frame: string[]; tap?: string; format: string; includeRoot: string[] },
      ) => {
        const { explainCommand } = await import('./explain.js');
        setCode(explainCommand(policy, opts, io));
      },
    );

  program
    .command('diff')
    .description(
      'what changes in where traffic goes between two policies: a real example packet for each change and the rules that cause it (exit 0 same, 1 different, 2 trouble)',
    )
    .argument('<old>', 'the policy before (- for standard input)')
    .argument('<new>', 'the policy after')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option(INCLUDE_ROOT_FLAGS, INCLUDE_ROOT_HELP, collect, [] as string[])
    .action(async (a: string, b: string, opts: { format: string; includeRoot: string[] }) => {
      const { diffCommand } = await import('./diff.js');
      setCode(diffCommand(a, b, opts, io));
    });

  program
    .command('run')
    .description(
      "run a policy over its taps' capture files (or, with --live, their interfaces): decode, classify, replicate, balance, mark and write each tool's output",
    )
    .argument('[policy]', '.tmes policy file (or --artifact)')
    .option('--artifact <file>', 'run a compiled artifact instead of compiling the policy (- for standard input)')
    .option(
      '--base <dir>',
      "the directory an artifact's relative paths are taken from (default: its base, from the artifact's directory)",
    )
    .option(
      '-i, --input <tap=file>',
      'read this capture for a tap (repeat for more files or taps)',
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option('--out-dir <dir>', 'write every output file here (and interface outputs as TOOL.pcapng)')
    .addOption(
      new Option('--stats <format>', 'statistics on standard output').choices(['text', 'json']).default('text'),
    )
    .option('--progress', 'show progress on standard error (default: when it is a terminal)')
    .option('--no-progress', 'never show progress')
    .option(
      '--workers <n>',
      'worker threads for decoding, classifying and encoding (0: all on the main thread; default: cores less 2 for captures of 16 MiB or more, so none on 2 or 3 cores)',
    )
    .addOption(
      new Option(
        '--packet-path <path>',
        'how packets are classified: generated (walk the headers the policy reads), decoder (decode every packet), auto (generated where it does less work); $TMESC_PACKET_PATH sets the default',
      ).choices(['auto', 'generated', 'decoder']),
    )
    .option('--no-cache', 'compile the policy without reading or writing the compiled-policy cache')
    .option('--live', 'capture the taps on interfaces (needs the optional cap package) until SIGINT or SIGTERM')
    .option(
      '--cores <list|mask>',
      'one worker thread per core, pinned: a list (0,2-3) or a hex mask (0x3) (live default: every core, unpinned)',
    )
    .option('--poll <mode>', 'live: software (wait for packets) or busy (spin; needs --cores)')
    .option('--stats-interval <seconds>', 'live: print statistics on standard error this often')
    .option('--buffer-size <MiB>', "live: the kernel's capture buffer of each interface (default 64)")
    .option(
      '--ports <map>',
      "OpenFlow ports map (as compile --emit openflow): run the host end of the switch's host link (with --host-link)",
    )
    .option(
      '--report <file>',
      "instead of --ports: the report.json compile --emit openflow wrote with the switch's program (its code table, not compiled again)",
    )
    .option(
      '--host-link <file>',
      'with --ports or --report: a capture of what the switch sent the host (VLAN-coded); with --live, the host interface the link is on',
    )
    .option(
      '--host-return <file>',
      'with --ports or --report: where the packets for the switch go, VLAN-coded (default: HOST-return.pcap in --out-dir or here)',
    )
    .option(INCLUDE_ROOT_FLAGS, INCLUDE_ROOT_HELP, collect, [] as string[])
    .action(
      async (
        policy: string | undefined,
        opts: {
          ports?: string;
          report?: string;
          hostLink?: string;
          hostReturn?: string;
          live?: boolean;
          cores?: string;
          poll?: string;
          statsInterval?: string;
          bufferSize?: string;
          artifact?: string;
          base?: string;
          input: string[];
          outDir?: string;
          stats: string;
          progress?: boolean;
          workers?: string;
          packetPath?: string;
          cache: boolean;
          includeRoot: string[];
        },
      ) => {
        const { runCommand } = await import('./run.js');
        setCode(await runCommand(policy, opts, io));
      },
    );

  program
    .command('gen')
    .description(
      'generate a realistic capture (TCP sessions, DNS, VLAN, MPLS, GRE, VXLAN, GTP-U, IPv6, clear-text logins)',
    )
    // declared here, parsed in gen.ts: the generator loads only when `gen` runs
    .option('-o, --output <file>', 'capture file to write')
    .option('-n, --packets <count>', 'number of packets', '100000')
    .option('--flows <count>', 'flows active at once', '256')
    .option('--seed <int>', 'PRNG seed (same seed, same bytes)', '1')
    .option('--format <pcap|pcapng>', 'output format (default: from the file name, else pcap)')
    .option('--nanosecond', 'nanosecond timestamps')
    .option('--ipv6 <fraction>', 'fraction of IP flows over IPv6', '0.2')
    .option(
      '--mix <k=v,...>',
      `weights of the flow kinds to generate; kinds not named are not generated (${GEN_MIX_KINDS.join(', ')})`,
    )
    .option(
      '--encap <k=v,...>',
      `fractions of IP flows in each encapsulation; those not named keep their defaults (${GEN_ENCAP_KINDS.join(', ')})`,
    )
    .option('--credentials <fraction>', 'fraction of TCP sessions with clear-text credentials', '0.05')
    .option('--start-time <epoch-seconds>', 'time of the first packet', '1700000000')
    .option('--gap-us <microseconds>', 'mean gap between packets', '10')
    .action(async (opts: Record<string, string>) => {
      const { genCommand } = await import('./gen.js');
      setCode(genCommand(opts, io));
    });

  program
    .command('fmt')
    .description(
      'lay out policies canonically, keeping every comment (--check: change nothing, exit 1 if a file would change)',
    )
    .argument('<files...>', '.tmes files or directories (- formats standard input to standard output)')
    .option('--check', 'list the files that are not formatted and exit 1 if any; change nothing')
    .option('--diff', 'show what would change as a unified diff and exit 1 if anything would; change nothing')
    .action(async (files: string[], opts: { check?: boolean; diff?: boolean }) => {
      const { fmt } = await import('./fmt.js');
      setCode(await fmt(files, opts, io));
    });

  program
    .command('test')
    .description(
      'policy unit tests: packets and the groups and tools they must or must not reach (exit 0 pass, 1 fail, 2 trouble)',
    )
    .argument('<policy>', '.tmes policy file (- for standard input)')
    .argument('<tests>', 'tests file (JSON, schemas/tests-1.json)')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'junit']).default('text'))
    .option(INCLUDE_ROOT_FLAGS, INCLUDE_ROOT_HELP, collect, [] as string[])
    .action(async (policy: string, tests: string, opts: { format: string; includeRoot: string[] }) => {
      const { testCommand } = await import('./test-command.js');
      setCode(testCommand(policy, tests, opts, io));
    });

  program
    .command('lsp')
    .description('the language server, for editors (diagnostics, hover, definition, completion, rename, fixes)')
    .option('--stdio', 'talk JSON-RPC over standard input and output (the only transport)')
    .action(async (opts: { stdio?: boolean }) => {
      if (!opts.stdio) throw new UsageError('tmesc lsp talks over standard input and output: give --stdio');
      const { startServer } = await import('./lsp/server.js');
      startServer(process.stdin, process.stdout);
      // the server runs until the client says exit (or closes its end): the connection then ends the process
      await new Promise<never>(() => {});
    });

  return program;
}

export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  let code: number = EXIT.ok;
  try {
    const program = buildProgram(io, (c) => (code = c));
    await program.parseAsync(argv);
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.exitCode === 0 || e.code === 'commander.helpDisplayed' || e.code === 'commander.version'
        ? EXIT.ok
        : EXIT.usage;
    }
    if (e instanceof PolicyInvalid) {
      io.err(`tmesc: ${escapeForTerminal(e.message, '\n')}\n`);
      return EXIT.findings;
    }
    if (e instanceof UsageError) {
      io.err(`tmesc: ${escapeForTerminal(e.message, '\n')}\n`);
      return EXIT.usage;
    }
    const err = e as NodeJS.ErrnoException;
    if (err && typeof err.code === 'string' && err.syscall) {
      io.err(`tmesc: ${escapeForTerminal(err.message, '\n')}\n`);
      return EXIT.usage;
    }
    io.err(
      `tmesc: internal error: ${escapeForTerminal((e as Error)?.message ?? String(e), '\n')}\n(please report this with the input that caused it)\n`,
    );
    return EXIT.usage;
  }
}
