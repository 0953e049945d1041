import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { buildArtifact } from '../artifact/build.js';
import { formatArtifactJson } from '../artifact/layout.js';
import { generateClassifier } from '../codegen/classifier.js';
import { kernelFilters } from '../runtime/live/kernel-filter.js';
import { compilePolicy } from '../ir/compile.js';
import { dot, listing } from '../ir/dump.js';
import { writeOutput } from './files.js';
import { EXIT, packageVersion, UsageError, type Io } from './io.js';
import { pcapLinkTypes } from '../runtime/checks/pcap-link-types.js';
import { includeRoots } from './include-roots.js';
import { loadValidPolicy } from './load-policy.js';
import { DiagnosticBag } from '../diagnostics/bag.js';
import { renderText } from '../diagnostics/render/index.js';
import { SourceFile } from '../diagnostics/source.js';
import { compileToOpenFlow, OPENFLOW_FILES } from '../openflow/backend.js';
import { displayPath, PolicyInvalid } from './io.js';

export interface CompileCmdOptions {
  output?: string;
  emit: string;
  optimize: boolean;
  /** The artifact on one line (default: readable, see artifact/layout.ts). */
  compact?: boolean;
  /** --include-root, as given. */
  includeRoot?: string[];
  /** --ports: the ports map (--emit openflow). */
  ports?: string;
  /** --match-fields: where the switch matches ports and IPv4 addresses (--emit openflow). */
  matchFields?: string;
}

/** tmesc compile: the artifact the runtime runs, or the graph as a listing, dot, or generated code. */
export async function compileCommand(path: string, opts: CompileCmdOptions, io: Io): Promise<number> {
  // the policy's warnings go to standard error, as validate would report them; what compile writes is unchanged
  const sources = new Map<string, string>();
  const roots = includeRoots(opts.includeRoot ?? [], io.cwd);
  const { policy } = loadValidPolicy(path, io, {
    warnings: true,
    sources,
    extraChecks: [pcapLinkTypes],
    includeRoots: roots,
  });
  if (opts.emit === 'openflow') return openflow(policy, opts, io);
  if (opts.ports) throw new UsageError('--ports is for --emit openflow');
  if (opts.matchFields) throw new UsageError('--match-fields is for --emit openflow');
  const compiled = compilePolicy(policy, { optimize: opts.optimize });
  let text: string;
  switch (opts.emit) {
    case 'artifact': {
      // paths relative to the policy, and `base` from where the artifact goes (standard output: the working directory)
      const artifactDir = opts.output ? dirname(resolve(opts.output)) : resolve(io.cwd);
      const artifact = buildArtifact(policy, compiled, packageVersion(), { layout: { artifactDir, sources } });
      text = formatArtifactJson(artifact, { compact: opts.compact });
      break;
    }
    case 'bpf': {
      // each tap's kernel filter; where it keeps more than the policy asks, standard error says why
      const artifact = buildArtifact(policy, compiled, packageVersion());
      const out: Record<string, string> = {};
      for (const f of kernelFilters(artifact)) {
        out[f.tap] = f.expression;
        if (f.widened.length) io.err(`tmesc: note: tap '${f.tap}': the filter also keeps ${f.widened.join('; ')}\n`);
      }
      text = JSON.stringify(out, null, 2) + '\n';
      break;
    }
    case 'listing':
      text = listing(compiled.graph, policy);
      break;
    case 'dot':
      text = dot(compiled.graph, policy);
      break;
    case 'js': {
      const gen = generateClassifier(compiled.graph);
      if (!gen.generated) throw new UsageError(`no code for this graph: ${gen.reason}`);
      // JSON.stringify leaves U+2028 and U+2029 as they are, and either would end the comment
      const name = JSON.stringify(policy.name).replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
      text =
        `// tmesc classifier for policy ${name}: the body of a function (preds, walk) => classify, classify(p, d) returning a leaf index;\n` +
        `// preds: the policy's payload and byte-offset tests as functions, walk(node, p, d): the runtime's table walk, for the nodes not in this code\n` +
        `${gen.js}\n`;
      break;
    }
    default:
      throw new UsageError(`unknown --emit '${opts.emit}'; use artifact, js, listing, dot, bpf or openflow`);
  }
  if (opts.output) await writeOutput(opts.output, text, (m) => io.err(`tmesc: note: ${m}\n`));
  else io.out(text);
  return EXIT.ok;
}

/**
 * --emit openflow: the flows, the groups and the report for the switch the
 * ports map describes, into the directory -o names; the report is printed.
 */
async function openflow(
  policy: Parameters<typeof compileToOpenFlow>[0],
  opts: CompileCmdOptions,
  io: Io,
): Promise<number> {
  if (!opts.ports)
    throw new UsageError('--emit openflow needs --ports MAP: which switch port each tap, tool and host is on');
  if (!opts.output)
    throw new UsageError(
      `--emit openflow writes ${OPENFLOW_FILES.flows}, ${OPENFLOW_FILES.groups} and ${OPENFLOW_FILES.report}: give the directory with -o DIR`,
    );
  if (!opts.optimize) throw new UsageError('--emit openflow compiles the optimized graph; drop -O0');
  const fieldsIn = opts.matchFields ?? 'auto';
  if (fieldsIn !== 'auto' && fieldsIn !== 'headers' && fieldsIn !== 'registers')
    throw new UsageError(`--match-fields takes headers, registers or auto, not '${fieldsIn}'`);
  const mapPath = resolve(io.cwd, opts.ports);
  let mapText: string;
  try {
    mapText = readFileSync(mapPath, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read the ports map ${opts.ports}: ${(e as Error).message}`);
  }
  const shown = displayPath(io.cwd);
  const dir = resolve(io.cwd, opts.output);
  const bag = new DiagnosticBag();
  const out = compileToOpenFlow(policy, new SourceFile(shown(mapPath), mapText), bag, {
    paths: { flows: join(shown(dir), OPENFLOW_FILES.flows), groups: join(shown(dir), OPENFLOW_FILES.groups) },
    fieldsIn,
  });
  if (bag.items.length)
    io.err(renderText(bag.items, { fileCount: new Set(bag.items.map((d) => d.span.file.path)).size }));
  if (!out)
    throw new PolicyInvalid(`${opts.ports}: the policy cannot be compiled for this switch; see the errors above`);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new UsageError(`cannot create ${opts.output}: ${(e as Error).message}`);
  }
  const note = (m: string) => io.err(`tmesc: note: ${m}\n`);
  await writeOutput(join(dir, OPENFLOW_FILES.groups), out.groups, note);
  await writeOutput(join(dir, OPENFLOW_FILES.flows), out.flows, note);
  await writeOutput(join(dir, OPENFLOW_FILES.report), out.reportJson, note);
  io.out(out.reportText);
  return EXIT.ok;
}
