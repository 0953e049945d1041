import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, describe, expect, it } from 'vitest';
import { SCHEMA_PATH } from '../../src/artifact/generate-validator.js';
import { validateArtifact } from '../../src/artifact/validate.js';
import { ROOT } from './built.js';
import { runCli } from './helpers.js';

// The artifact names its paths as the policy does (relative to the policy's directory), says
// where that directory is from the artifact's (`base`), names its schema, and reads as text.

const TMP = mkdtempSync(join(tmpdir(), 'tmesc-artifact-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

/** A tree as a repository has it: policies/ with a library, captures/, and build/ for artifacts. */
function tree(): { root: string; policy: string } {
  const root = mkdtempSync(join(TMP, 'tree-'));
  mkdirSync(join(root, 'policies', 'lib'), { recursive: true });
  mkdirSync(join(root, 'captures'));
  mkdirSync(join(root, 'build'));
  cpSync(join(ROOT, 'samples', 'sample.pcap'), join(root, 'captures', 'sample.pcap'));
  writeFileSync(join(root, 'policies', 'lib', 'ports.tmes'), 'define ports WEB = 80, 8080\n');
  const policy = join(root, 'policies', 'edge.tmes');
  writeFileSync(
    policy,
    `policy "edge"
include "lib/ports.tmes"
tap span { source pcap "../captures/sample.pcap" }
group web { tool w { output pcap "out/web.pcap" } }
group dns { tool d { output pcap "${ABSOLUTE}" } }
rule web from span match tcp port WEB to web
rule dns from span match udp port 53 to dns
`,
  );
  return { root, policy };
}

/** An output the policy names by an absolute path, outside every tree. */
const ABSOLUTE = join(TMP, 'absolute-out', 'dns.pcap');

const json = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

describe('the artifact: paths relative to the policy', () => {
  it('holds no absolute path of the compiling machine, except those the policy wrote absolute', async () => {
    const { root, policy } = tree();
    const out = join(root, 'build', 'edge.json');
    const r = await runCli(['compile', policy, '-o', out]);
    expect(r.code, r.err).toBe(0);
    const text = readFileSync(out, 'utf8');
    expect(text).not.toContain(root);
    const a = json(out);
    expect(a.base).toBe('../policies');
    expect(a.policy.files).toEqual(['edge.tmes', 'lib/ports.tmes']);
    expect(a.taps[0].source.paths).toEqual(['../captures/sample.pcap']);
    expect(a.groups[0].tools[0].output.target).toBe('out/web.pcap');
    expect(a.groups[1].tools[0].output.target).toBe(ABSOLUTE);
  });

  it('runs where the tree is: a copy elsewhere reads and writes inside the copy', async () => {
    const { root, policy } = tree();
    const art = join(root, 'build', 'edge.json');
    expect((await runCli(['compile', policy, '-o', art])).code).toBe(0);
    const copy = join(TMP, 'deployed');
    cpSync(root, copy, { recursive: true });
    rmSync(join(copy, 'policies', 'edge.tmes'));
    const r = await runCli(['run', '--artifact', join(copy, 'build', 'edge.json'), '--stats', 'json', '--no-progress']);
    expect(r.code, r.err).toBe(0);
    const stats = JSON.parse(r.out);
    expect(stats.taps[0].files).toEqual([join(copy, 'captures', 'sample.pcap')]);
    expect(stats.groups[0].tools[0].output).toBe(join(copy, 'policies', 'out', 'web.pcap'));
    expect(existsSync(join(copy, 'policies', 'out', 'web.pcap'))).toBe(true);
    expect(existsSync(join(root, 'policies', 'out', 'web.pcap'))).toBe(false);
  });

  it('--base takes the relative paths from another directory', async () => {
    const { root, policy } = tree();
    const art = join(root, 'build', 'edge.json');
    expect((await runCli(['compile', policy, '-o', art])).code).toBe(0);
    const elsewhere = join(TMP, 'elsewhere', 'policies');
    cpSync(join(root, 'captures'), join(TMP, 'elsewhere', 'captures'), { recursive: true });
    const r = await runCli(['run', '--artifact', art, '--base', elsewhere, '--stats', 'json', '--no-progress']);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out).taps[0].files).toEqual([join(TMP, 'elsewhere', 'captures', 'sample.pcap')]);
    expect((await runCli(['run', policy, '--base', elsewhere])).err).toMatch(/--base applies to --artifact/);
  });

  it('to standard output, base is the policy from the working directory; a tree hashes alike wherever it is', async () => {
    const { root, policy } = tree();
    const r = await runCli(['compile', policy]);
    expect(r.code, r.err).toBe(0);
    const a = JSON.parse(r.out);
    expect(a.base).toBe(relative(process.cwd(), join(root, 'policies')));
    const copy = join(TMP, 'copy-of-tree');
    cpSync(root, copy, { recursive: true });
    const b = JSON.parse((await runCli(['compile', join(copy, 'policies', 'edge.tmes')])).out);
    expect(b.policy.sourceHash).toBe(a.policy.sourceHash);
    writeFileSync(join(copy, 'policies', 'lib', 'ports.tmes'), 'define ports WEB = 80, 8081\n');
    const c = JSON.parse((await runCli(['compile', join(copy, 'policies', 'edge.tmes')])).out);
    expect(c.policy.sourceHash).not.toBe(a.policy.sourceHash);
  });

  it('artifacts written before (absolute paths, no base, no $schema) still load and run', async () => {
    const { root, policy } = tree();
    const art = join(root, 'build', 'old.json');
    expect((await runCli(['compile', policy, '-o', art])).code).toBe(0);
    const a = json(art);
    delete a.$schema;
    delete a.base;
    a.policy.files = a.policy.files.map((f: string) => join(root, 'policies', f));
    a.taps[0].source.paths = [join(root, 'captures', 'sample.pcap')];
    a.groups[0].tools[0].output.target = join(root, 'policies', 'out', 'old.pcap');
    writeFileSync(art, JSON.stringify(a));
    expect(() => validateArtifact(a)).not.toThrow();
    const r = await runCli(['run', '--artifact', art, '--stats', 'json', '--no-progress']);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out).taps[0].files).toEqual([join(root, 'captures', 'sample.pcap')]);
  });
});

describe('the artifact: layout and schema', () => {
  it('reads as text: a member a line, a graph node a line; --compact is one line of the same JSON', async () => {
    const policy = join(ROOT, 'rules', 'examples', 'datacenter.tmes');
    const pretty = await runCli(['compile', policy]);
    const compact = await runCli(['compile', policy, '--compact']);
    expect(pretty.code, pretty.err).toBe(0);
    expect(JSON.parse(pretty.out)).toEqual(JSON.parse(compact.out));
    expect(compact.out.split('\n')).toHaveLength(2);
    const lines = pretty.out.split('\n');
    const a = JSON.parse(pretty.out);
    expect(lines.length).toBeGreaterThan(a.graph.nodes.length);
    expect(lines[0]).toBe('{');
    expect(lines[1]).toBe('  "$schema": "https://tmesc.dev/schemas/artifact-2.json",');
    // one node a line, or a few for a node too wide for one: its numbers stay on one line each
    const nodeLines = lines.filter((l) => /^ {6}\{"field":\d+,"cuts":\[/.test(l));
    expect(nodeLines.length).toBeGreaterThan(a.graph.nodes.length / 3);
    expect(lines.length).toBeLessThan(a.graph.nodes.length * 6 + a.graph.leaves.length * 6 + 200);
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThan(4000);
  });

  it('names its schema, the published file, which accepts it', async () => {
    const r = await runCli(['compile', join(ROOT, 'rules', 'examples', 'quickstart.tmes')]);
    const a = JSON.parse(r.out);
    const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8'));
    expect(a.$schema).toBe(schema.$id);
    const validate = new Ajv({ strict: true, allErrors: true }).compile(schema);
    expect(validate(a), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...a, base: '' })).toBe(false);
  });
});
