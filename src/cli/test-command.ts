import { readFileSync } from 'node:fs';
import { buildArtifact } from '../artifact/build.js';
import { compilePolicy } from '../ir/compile.js';
import { Explainer } from './explain-packet.js';
import { displayPath, EXIT, packageVersion, PolicyInvalid, UsageError, type Io } from './io.js';
import { findNodeAtLocation, parseTree } from 'jsonc-parser';
import { escapeForTerminal } from '../diagnostics/render/terminal.js';
import { SourceFile } from '../diagnostics/source.js';
import { jsonPath, JsonFileError, readJson } from './json-file.js';
import { includeRoots } from './include-roots.js';
import { loadValidPolicy } from './load-policy.js';
import { junit } from './policy-test/junit.js';
import { runTests, type TestOutcome, type TestsFile } from './policy-test/run-tests.js';
import { TESTS_SCHEMA } from './policy-test/schema.js';

export interface TestOptions {
  format: string;
  /** --include-root, as given. */
  includeRoot?: string[];
}

/** Plain sentences for the schema's alternatives (json-file.ts). */
const EXPLAIN = {
  '#/properties/tests/items/oneOf': 'give either "packet", or "pcap" with "frame"',
  '#/properties/tests/items/anyOf':
    'say what the packet must do: "reaches", "doesNotReach", "reachesOnly" or "matches"',
  '#/properties/tests/items/properties/frame/oneOf': 'a packet number from 1, or a string "N", "N,M" or "N-M"',
};

/**
 * tmesc test POLICY TESTS: policy unit tests. Exit 0 when every test passes,
 * 1 when one fails, 2 when something could not run (a tests file that is not
 * valid, a policy with errors, a test naming what the policy lacks).
 */
export function testCommand(policyPath: string, testsPath: string, opts: TestOptions, io: Io): number {
  if (!['text', 'json', 'junit'].includes(opts.format))
    throw new UsageError(`--format takes text, json or junit, not '${opts.format}'`);
  const shownTests = testsPath === '-' ? '<stdin>' : displayPath(io.cwd)(testsPath);
  let text: string;
  try {
    text = readFileSync(testsPath === '-' ? 0 : testsPath, 'utf8');
  } catch (e) {
    throw new UsageError(`${shownTests}: ${(e as Error).message}`);
  }
  let file: TestsFile;
  try {
    file = readJson<TestsFile>(shownTests, text, TESTS_SCHEMA, EXPLAIN);
  } catch (e) {
    if (!(e instanceof JsonFileError)) throw e;
    io.err(`${escapeForTerminal(e.message, '\n')}\n`);
    io.err(`tmesc: ${escapeForTerminal(shownTests)} is not a valid tests file (schemas/tests-1.json)\n`);
    return EXIT.usage;
  }
  const started = performance.now();
  let policy;
  try {
    ({ policy } = loadValidPolicy(policyPath, io, { includeRoots: includeRoots(opts.includeRoot ?? [], io.cwd) }));
  } catch (e) {
    if (!(e instanceof PolicyInvalid)) throw e;
    io.err(`tmesc: ${escapeForTerminal(e.message, '\n')}\n`);
    return EXIT.usage;
  }
  const compiled = compilePolicy(policy);
  const explainer = new Explainer(
    policy,
    compiled,
    buildArtifact(policy, compiled, packageVersion(), { validate: false }),
  );
  const outcomes = runTests(policy, explainer, file, testsPath);
  const seconds = (performance.now() - started) / 1000;
  const where = errorPlace(shownTests, text);
  if (opts.format === 'junit') io.out(junit(shownTests, outcomes, (o) => details(o, where).join('\n'), seconds));
  else if (opts.format === 'json') io.out(JSON.stringify(jsonReport(shownTests, outcomes, where), null, 2) + '\n');
  else io.out(textReport(shownTests, outcomes, where));
  if (outcomes.some((o) => o.status === 'error')) return EXIT.usage;
  return outcomes.some((o) => o.status === 'fail') ? EXIT.findings : EXIT.ok;
}

interface ErrorPlace {
  file: string;
  line: number;
  column: number;
  path: string;
}
type Locate = (o: TestOutcome) => ErrorPlace;

/**
 * Where a test that cannot run is at fault in the tests file: the member (a
 * name the policy lacks, the description, the capture), and within a
 * description written without escapes, the words at fault.
 */
function errorPlace(file: string, text: string): Locate {
  const tree = parseTree(text);
  const source = new SourceFile(file, text);
  return (o) => {
    const path = o.errorPath ?? ['tests', o.index];
    const node = tree && (findNodeAtLocation(tree, path) ?? findNodeAtLocation(tree, ['tests', o.index]));
    let offset = node?.offset ?? 0;
    const raw = node && text.slice(node.offset + 1, node.offset + node.length - 1);
    if (node && o.errorSpec && node.type === 'string' && raw === node.value) offset += 1 + o.errorSpec.start;
    return { file, ...source.position(offset), path: jsonPath(path) };
  };
}

// eslint-disable-next-line no-control-regex -- the characters a terminal would act on, or that reorder the line
const ONE_COLUMN_UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2028\u2029\u2066-\u2069]/g;

/** What a failed or erroneous test shows: each packet, expected and actual, and the rules behind it. */
function details(o: TestOutcome, where: Locate): string[] {
  if (o.status === 'error') {
    const at = where(o);
    const head = `${at.file}:${at.line}:${at.column}: ${at.path}: ${o.error}`;
    const spec = o.errorSpec;
    if (!spec) return [head];
    // the description with a caret under the words at fault, as explain --packet shows it (one column a character)
    const shown = spec.text.replace(ONE_COLUMN_UNSAFE, '?');
    return [head, `    ${shown}`, `    ${' '.repeat(spec.start)}${'^'.repeat(Math.max(1, spec.end - spec.start))}`];
  }
  const out: string[] = [];
  for (const p of o.packets) {
    if (!p.failures.length) continue;
    const e = p.explanation;
    out.push(`packet:   ${p.input}`);
    if (p.shown !== p.input) out.push(`          (${p.input.includes(' #') ? 'decoded' : 'built'}: ${p.shown})`);
    out.push(`expected: ${o.expected}`);
    out.push(
      `actual:   ${e.goesTo.length ? e.goesTo.map((g) => `${g.group} (tool ${g.tool})`).join(', ') : 'goes nowhere'}`,
    );
    for (const f of p.failures) out.push(`  - ${f}`);
    out.push(
      `matching rules: ${
        e.matchingRules.length
          ? e.matchingRules
              .map((r) => `${r.name} (${r.action} ${r.groups.join(', ')}) at ${r.file}:${r.line}`)
              .join('; ')
          : 'none'
      }`,
    );
  }
  return out;
}

function textReport(file: string, outcomes: TestOutcome[], where: Locate): string {
  const out: string[] = [];
  for (const o of outcomes) {
    const tag = o.status === 'pass' ? 'PASS ' : o.status === 'fail' ? 'FAIL ' : 'ERROR';
    out.push(`${tag} ${escapeForTerminal(o.name)}`);
    // the tests file's and the policy's text never drives the terminal (names, descriptions, payloads)
    if (o.status !== 'pass')
      for (const l of details(o, where)) for (const x of l.split('\n')) out.push(`      ${escapeForTerminal(x)}`);
  }
  const n = (k: TestOutcome['status']) => outcomes.filter((o) => o.status === k).length;
  const errors = n('error');
  out.push(
    `${escapeForTerminal(file)}: ${outcomes.length} test${outcomes.length === 1 ? '' : 's'}: ${n('pass')} passed, ${n('fail')} failed${errors ? `, ${errors} could not run` : ''}`,
  );
  return out.join('\n') + '\n';
}

function jsonReport(file: string, outcomes: TestOutcome[], where: Locate) {
  return {
    formatVersion: 1,
    file,
    passed: outcomes.filter((o) => o.status === 'pass').length,
    failed: outcomes.filter((o) => o.status === 'fail').length,
    errors: outcomes.filter((o) => o.status === 'error').length,
    tests: outcomes.map((o) => ({
      name: o.name,
      path: `$.tests[${o.index}]`,
      status: o.status,
      expected: o.expected,
      ...(o.status === 'error' ? { error: o.error, errorAt: where(o) } : {}),
      packets: o.packets.map((p) => ({
        input: p.input,
        packet: p.shown,
        failures: p.failures,
        goesTo: p.explanation.goesTo,
        matchingRules: p.explanation.matchingRules,
      })),
    })),
  };
}
