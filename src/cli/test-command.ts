import { readFileSync } from 'node:fs';
import { buildArtifact } from '../artifact/build.js';
import { compilePolicy } from '../ir/compile.js';
import { Explainer } from './explain-packet.js';
import { displayPath, EXIT, packageVersion, PolicyInvalid, UsageError, type Io } from './io.js';
import { JsonFileError, readJson } from './json-file.js';
import { loadValidPolicy } from './load-policy.js';
import { junit } from './policy-test/junit.js';
import { runTests, type TestOutcome, type TestsFile } from './policy-test/run-tests.js';
import { TESTS_SCHEMA } from './policy-test/schema.js';

export interface TestOptions {
  format: string;
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
    io.err(`${e.message}\n`);
    io.err(`tmesc: ${shownTests} is not a valid tests file (schemas/tests-1.json)\n`);
    return EXIT.usage;
  }
  const started = performance.now();
  let policy;
  try {
    ({ policy } = loadValidPolicy(policyPath, io));
  } catch (e) {
    if (!(e instanceof PolicyInvalid)) throw e;
    io.err(`tmesc: ${e.message}\n`);
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
  if (opts.format === 'junit') io.out(junit(shownTests, outcomes, (o) => details(o).join('\n'), seconds));
  else if (opts.format === 'json') io.out(JSON.stringify(jsonReport(shownTests, outcomes), null, 2) + '\n');
  else io.out(textReport(shownTests, outcomes));
  if (outcomes.some((o) => o.status === 'error')) return EXIT.usage;
  return outcomes.some((o) => o.status === 'fail') ? EXIT.findings : EXIT.ok;
}

/** What a failed or erroneous test shows: each packet, expected and actual, and the rules behind it. */
function details(o: TestOutcome): string[] {
  if (o.status === 'error') return [`$.tests[${o.index}]: ${o.error}`];
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

function textReport(file: string, outcomes: TestOutcome[]): string {
  const out: string[] = [];
  for (const o of outcomes) {
    const tag = o.status === 'pass' ? 'PASS ' : o.status === 'fail' ? 'FAIL ' : 'ERROR';
    out.push(`${tag} ${o.name}`);
    if (o.status !== 'pass') for (const l of details(o)) for (const x of l.split('\n')) out.push(`      ${x}`);
  }
  const n = (k: TestOutcome['status']) => outcomes.filter((o) => o.status === k).length;
  const errors = n('error');
  out.push(
    `${file}: ${outcomes.length} test${outcomes.length === 1 ? '' : 's'}: ${n('pass')} passed, ${n('fail')} failed${errors ? `, ${errors} could not run` : ''}`,
  );
  return out.join('\n') + '\n';
}

function jsonReport(file: string, outcomes: TestOutcome[]) {
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
      ...(o.error !== undefined ? { error: o.error } : {}),
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
