import { buildArtifact } from '../artifact/build.js';
import { generateClassifier } from '../codegen/classifier.js';
import { compilePolicy } from '../ir/compile.js';
import { dot, listing } from '../ir/dump.js';
import { writeFileAtomic } from './files.js';
import { EXIT, packageVersion, UsageError, type Io } from './io.js';
import { loadValidPolicy } from './load-policy.js';

export interface CompileCmdOptions {
  output?: string;
  emit: string;
  optimize: boolean;
}

/** tmesc compile: the artifact the runtime runs, or the graph as a listing, dot, or generated code. */
export function compileCommand(path: string, opts: CompileCmdOptions, io: Io): number {
  const { policy } = loadValidPolicy(path, io);
  const compiled = compilePolicy(policy, { optimize: opts.optimize });
  let text: string;
  switch (opts.emit) {
    case 'artifact':
      text = JSON.stringify(buildArtifact(policy, compiled, packageVersion())) + '\n';
      break;
    case 'listing':
      text = listing(compiled.graph, policy);
      break;
    case 'dot':
      text = dot(compiled.graph, policy);
      break;
    case 'js': {
      const gen = generateClassifier(compiled.graph);
      if (!gen.generated) throw new UsageError(`no code for this graph: ${gen.reason}`);
      text = `// tmesc classifier for policy ${JSON.stringify(policy.name)}: (preds) => classify(p, d) returning a leaf index\n${gen.js}\n`;
      break;
    }
    default:
      throw new UsageError(`unknown --emit '${opts.emit}'; use artifact, js, listing or dot`);
  }
  if (opts.output) writeFileAtomic(opts.output, text);
  else io.out(text);
  return EXIT.ok;
}
