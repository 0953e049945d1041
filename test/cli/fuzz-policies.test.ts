import fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { built, ROOT, spawnTmesc } from './built.js';
import { runCli } from './helpers.js';

/**
 * docs/cli.md promises that no command prints a stack trace on any input.
 * This holds it: real policies (the examples and every checker fixture),
 * mutated the way careless edits and broken generators mutate them, and
 * generated ones, through validate, compile and explain, in-process through
 * the CLI's own entry point (main) and a few through the built CLI. Any
 * internal error, stack trace, or exit code other than 0, 1 or 2 fails.
 *
 * Bounded by count, not time: fixed numbers of runs from a fixed seed
 * (TMESC_FUZZ_SEED explores others; TMESC_FUZZ_RUNS scales the counts). A
 * hang fails through the test's timeout in-process, and through a generous
 * per-run guard around the built CLI; neither is a timing assertion.
 *
 * Policy sizes are kept to what exercises the front end (a few groups and
 * rules, chains of a few thousand terms): the compiler's own budgets for
 * large policies are tested with the compiler.
 */
const SEED = Number(process.env.TMESC_FUZZ_SEED ?? 20261206);
const SCALE = Number(process.env.TMESC_FUZZ_RUNS ?? 1);
const runs = (n: number) => Math.max(1, Math.round(n * SCALE));

// A scratch tree laid out like the repository, so the examples' `include "../lib/..."` resolve.
const work = mkdtempSync(join(tmpdir(), 'tmesc-fuzz-'));
for (const sub of ['examples', 'lib', 'fixtures', 'fixtures/include']) mkdirSync(join(work, sub), { recursive: true });
for (const f of readdirSync(join(ROOT, 'rules', 'lib')))
  copyFileSync(join(ROOT, 'rules', 'lib', f), join(work, 'lib', f));
const FIXTURES = join(ROOT, 'test', 'check', 'fixtures');
for (const f of readdirSync(join(FIXTURES, 'include')))
  copyFileSync(join(FIXTURES, 'include', f), join(work, 'fixtures', 'include', f));

const seeds: { dir: string; text: string }[] = [
  ...readdirSync(join(ROOT, 'rules', 'examples'))
    .filter((f) => f.endsWith('.tmes'))
    .map((f) => ({ dir: 'examples', text: readFileSync(join(ROOT, 'rules', 'examples', f), 'utf8') })),
  ...readdirSync(FIXTURES)
    // TMES0706's fixture is built to run the compiler to its budget (seconds each time): the fuzz gains nothing from it
    .filter((f) => f.endsWith('.tmes') && !f.startsWith('TMES0706'))
    .map((f) => ({ dir: 'fixtures', text: readFileSync(join(FIXTURES, f), 'utf8') })),
];

const PACKET = 'tcp 10.0.0.1:1234 > 10.0.0.2:80 vlan 100';

/** What must never reach the user, whatever the input. */
const FORBIDDEN = [
  /internal error/i,
  /^\s+at .+:\d+:\d+\)?$/m,
  /Maximum call stack/,
  /RangeError|TypeError|ReferenceError/,
];

function expectNoCrash(r: { code: number; out: string; err: string }, what: string): void {
  expect([0, 1, 2], `${what}: exit ${r.code}\n${r.err}`).toContain(r.code);
  for (const bad of FORBIDDEN) expect(r.out + r.err, `${what}`).not.toMatch(bad);
}

let n = 0;
function write(dir: string, text: string): string {
  const path = join(work, dir, `fuzz-${n++ % 8}.tmes`);
  writeFileSync(path, text);
  return path;
}

async function throughEveryCommand(path: string): Promise<void> {
  expectNoCrash(await runCli(['validate', path], work), `validate ${path}`);
  expectNoCrash(await runCli(['validate', '--format', 'json', path], work), `validate json ${path}`);
  expectNoCrash(await runCli(['compile', path, '--emit', 'listing'], work), `compile ${path}`);
  expectNoCrash(await runCli(['explain', path, '--packet', PACKET], work), `explain ${path}`);
}

// ---- mutations
const NUMBERS = [
  '99999999999999999999999',
  '1e308',
  '0xffffffffffffffffffff',
  '4294967296',
  '65536',
  '-1',
  '1.5',
  '000000000000000000001',
  '9007199254740993',
];
const ODD_TEXT = ['\u0000', '\uFEFF', '\u202E', '\u2028', '\u0301', '💥', '\uD800', '\r', '"', '/', '#', '\\'];

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 6 }) }),
  fc.record({
    kind: fc.constant('duplicate' as const),
    at: fc.nat(),
    len: fc.integer({ min: 1, max: 8 }),
    times: fc.integer({ min: 1, max: 60 }),
  }),
  fc.record({
    kind: fc.constant('nest' as const),
    at: fc.nat(),
    depth: fc.integer({ min: 1, max: 600 }),
    open: fc.constantFrom('(', 'not ', '! ', 'inner(', 'ip[', '- ', '{'),
  }),
  fc.record({
    kind: fc.constant('chain' as const),
    at: fc.nat(),
    terms: fc.integer({ min: 2, max: 3000 }),
    op: fc.constantFrom(' or ', ' and ', ' && ', ' + ', ' / ', ', '),
    term: fc.constantFrom('tcp port 80', 'host 10.0.0.1', 'len', '1', 'WEB', 'not udp', '(vlan 1)'),
  }),
  fc.record({ kind: fc.constant('number' as const), at: fc.nat(), value: fc.constantFrom(...NUMBERS) }),
  fc.record({
    kind: fc.constant('unicode' as const),
    at: fc.nat(),
    text: fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 12 }),
      fc.string({ unit: 'binary', maxLength: 12 }),
      fc.constantFrom(...ODD_TEXT),
    ),
  }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

/** Token boundaries, roughly as the lexer sees them. */
function tokenSpans(text: string): [number, number][] {
  return [...text.matchAll(/"(?:[^"\\\n]|\\.)*"?|[A-Za-z0-9_.:/-]+|[^\sA-Za-z0-9_.:/-]/g)].map((m) => [
    m.index,
    m.index + m[0].length,
  ]);
}

function mutate(text: string, m: Mutation): string {
  const at = (k: number) => k % (text.length + 1);
  switch (m.kind) {
    case 'flip': {
      const bytes = Buffer.from(text, 'utf8');
      if (bytes.length === 0) return text;
      bytes[m.at % bytes.length] ^= m.xor;
      return bytes.toString('utf8');
    }
    case 'delete':
    case 'duplicate': {
      const spans = tokenSpans(text);
      if (spans.length === 0) return text;
      const i = m.at % spans.length;
      const j = Math.min(spans.length - 1, i + m.len - 1);
      const [start, end] = [spans[i][0], spans[j][1]];
      const piece = text.slice(start, end);
      return m.kind === 'delete'
        ? text.slice(0, start) + text.slice(end)
        : text.slice(0, end) + ` ${piece}`.repeat(m.times) + text.slice(end);
    }
    case 'nest': {
      const closers: Record<string, string> = { '(': ')', 'inner(': ')', 'ip[': ']', '{': '}' };
      const close = closers[m.open] ?? '';
      const i = at(m.at);
      return text.slice(0, i) + m.open.repeat(m.depth) + 'tcp' + close.repeat(m.depth) + text.slice(i);
    }
    case 'chain': {
      const i = at(m.at);
      return text.slice(0, i) + Array.from({ length: m.terms }, () => m.term).join(m.op) + text.slice(i);
    }
    case 'number': {
      const numbers = [...text.matchAll(/\b\d+\b/g)];
      if (numbers.length === 0) return text + m.value;
      const hit = numbers[m.at % numbers.length];
      return text.slice(0, hit.index) + m.value + text.slice(hit.index + hit[0].length);
    }
    case 'unicode': {
      const i = at(m.at);
      return text.slice(0, i) + m.text + text.slice(i);
    }
  }
}

// ---- generated policies
const PRIMITIVES = [
  'tcp',
  'udp',
  'ip6',
  'port 80',
  'tcp dst port 443',
  'src portrange 1000-2000',
  'host 10.0.0.1',
  'net 10.0.0.0/8',
  'net fd00::/8',
  'vlan 100',
  'vlan',
  'mpls 5',
  'len > 100',
  'tcp[13] & 2 != 0',
  'ip[9] = 6',
  '(len - 14) / 4 > 10',
  'payload contains "GET"',
  'payload matches /ab+c/',
  'inner(udp port 53)',
  'gtp teid 7',
  'vxlan vni 42',
  'ether host aa:bb:cc:dd:ee:ff',
  'icmp type echo',
  'tcp flags syn',
  'WEB',
  'tcp port WEB',
  'net PRIV',
  'F',
];
const filter = fc.letrec<{ f: string }>((tie) => ({
  f: fc.oneof(
    { depthSize: 'small', maxDepth: 4 },
    fc.constantFrom(...PRIMITIVES),
    fc.tuple(tie('f'), fc.constantFrom('and', 'or', '&&', '||'), tie('f')).map(([a, op, b]) => `${a} ${op} ${b}`),
    tie('f').map((x) => `not (${x})`),
    tie('f').map((x) => `(${x})`),
  ),
})).f;

const generated = fc
  .record({
    define: filter,
    groups: fc.integer({ min: 1, max: 4 }),
    actions: fc.subarray(['strip vxlan, gre', 'truncate payload 64', 'mask card-number', 'dedup', 'balance session']),
    rules: fc.array(
      fc.record({ filter, drop: fc.boolean(), group: fc.nat(), tap: fc.option(fc.nat(), { nil: undefined }) }),
      { minLength: 1, maxLength: 8 },
    ),
  })
  .map(
    ({ define, groups, actions, rules }) =>
      [
        'policy "generated"',
        'define ports WEB = 80, 443, 8000-8999',
        'define net PRIV = 10.0.0.0/8, 192.168.0.0/16, fd00::/8',
        `define filter F = ${define.replace(/\bF\b/g, 'tcp')}`,
        'tap a { source pcap "a.pcap" }',
        'tap b { source pcap "b.pcap" }',
        ...Array.from(
          { length: groups },
          (_, g) => `group g${g} { tool t${g} { output pcap "o${g}.pcap" } ${g === 0 ? actions.join('; ') : ''} }`,
        ),
        ...rules.map(
          (r, i) =>
            `rule r${i}${r.tap === undefined ? '' : ` from ${r.tap % 2 ? 'a' : 'b'}`} match ${r.filter} ${r.drop ? 'drop' : 'to'} g${r.group % groups}`,
        ),
      ].join('\n') + '\n',
  );

describe('no command prints a stack trace, on any policy (fuzz)', () => {
  it('mutated real policies', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...seeds),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        async (seed, ms) => {
          await throughEveryCommand(write(seed.dir, ms.reduce(mutate, seed.text)));
        },
      ),
      { numRuns: runs(120), seed: SEED },
    );
  });

  it('generated policies, and generated policies mutated', async () => {
    await fc.assert(
      fc.asyncProperty(generated, fc.array(mutation, { maxLength: 2 }), async (text, ms) => {
        await throughEveryCommand(write('examples', ms.reduce(mutate, text)));
      }),
      { numRuns: runs(60), seed: SEED + 1 },
    );
  });
});

describe.skipIf(!built)('the built CLI, on hostile input', () => {
  /** A generous guard: a run that outlives it is a hang, reported as such (not a time limit on the work). */
  const GUARD_MS = 120_000;
  const run = (args: string[], env: Record<string, string> = {}) => {
    const r = spawnTmesc(args, { cwd: work, env, timeoutMs: GUARD_MS });
    expect(r.signal, `tmesc ${args.join(' ')} hung`).toBeNull();
    expectNoCrash(r, `tmesc ${args.join(' ')}`);
    return r;
  };

  it('includes of /dev/zero, a FIFO nobody writes and /proc/self/environ end with a diagnostic', () => {
    execFileSync('mkfifo', [join(work, 'examples', 'pipe.tmes')]);
    const path = write(
      'examples',
      'policy "p"\ninclude "/dev/zero"\ninclude "pipe.tmes"\ninclude "/proc/self/environ"\ntap t { source pcap "a.pcap" }\ngroup g { tool o { output pcap "o.pcap" } }\nrule r match tcp to g\n',
    );
    const r = run(['validate', path], { TMESC_INCLUDE_PATH: '/dev:/proc', TMESC_FUZZ_SECRET: 'hunter2' });
    expect(r.code).toBe(1);
    expect(r.out).toContain('TMES0110');
    expect(r.out).toContain('TMES0113');
    expect(r.out).not.toContain('hunter2');
  });

  it('a policy that is /dev/zero is a usage error, not a hang', () => {
    const r = run(['validate', '/dev/zero']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('is larger than 8 MiB');
  });

  it('deep nesting, long chains and garbage, through validate and compile', () => {
    const hostile = [
      `rule r match ${'('.repeat(10_000)}tcp${')'.repeat(10_000)} to g`,
      `rule r match ${'not '.repeat(10_000)}tcp to g`,
      `rule r match ${Array.from({ length: 5_100 }, (_, i) => `tcp port ${i}`).join(' or ')} to g`,
      `rule r match len ${'+ 1 '.repeat(5_000)}> 5 to g`,
      `define filter F0 = tcp\n${Array.from({ length: 5_000 }, (_, i) => `define filter F${i + 1} = F${i}`).join('\n')}\nrule r match F5000 to g`,
      `define filter F0 = tcp port 1\n${Array.from({ length: 20 }, (_, i) => `define filter F${i + 1} = F${i} or F${i}`).join('\n')}\nrule r match F20 to g`,
      Array.from({ length: 5_000 }, (_, i) => `x${i} = ( ] garbage ; ${i} !`).join('\n'),
    ];
    for (const body of hostile) {
      const path = write(
        'examples',
        `policy "p"\ntap t { source pcap "a.pcap" }\ngroup g { tool o { output pcap "o.pcap" } }\n${body}\n`,
      );
      run(['validate', path]);
      run(['compile', path, '--emit', 'listing']);
    }
  });
});
