import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ARTIFACT_SCHEMA } from '../../src/artifact/schema.js';
import { validateArtifact } from '../../src/artifact/validate.js';
import { Ajv } from 'ajv';
import { runCli } from './helpers.js';

const examples = join(import.meta.dirname, '..', '..', 'rules', 'examples');
const fixtures = join(import.meta.dirname, '..', 'check', 'fixtures');
const overlap = join(fixtures, 'TMES0701-redundant-rule.tmes');

describe('tmesc compile', () => {
  it('writes an artifact that validates against the JSON Schema, for every example', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tmesc-compile-'));
    const ajv = new Ajv({ strict: true, allErrors: true });
    const validate = ajv.compile(ARTIFACT_SCHEMA);
    for (const ex of ['quickstart', 'datacenter', 'mobile-core', 'wan-inline']) {
      for (const level of ['-O1', '-O0']) {
        const out = join(dir, `${ex}${level}.json`);
        const r = await runCli(['compile', level, '-o', out, join(examples, `${ex}.tmes`)]);
        expect(r.code, r.err).toBe(0);
        const art = JSON.parse(readFileSync(out, 'utf8'));
        expect(validate(art), JSON.stringify(validate.errors)).toBe(true);
        expect(() => validateArtifact(art)).not.toThrow();
        expect(art.graph.optimized).toBe(level === '-O1');
        // data only: the runtime generates the classifier from the graph
        expect(art.formatVersion).toBe(2);
        expect(art).not.toHaveProperty('classifier');
      }
    }
  });

  it('emits a listing like tcpdump -d, dot, and code', async () => {
    const listing = await runCli(['compile', '--emit', 'listing', overlap]);
    expect(listing.out).toMatch(/^; match graph: \d+ nodes, \d+ leaves, 1 segment\n/);
    expect(listing.out).toContain('L');
    const dot = await runCli(['compile', '--emit', 'dot', overlap]);
    expect(dot.out).toMatch(/^digraph match \{/);
    const js = await runCli(['compile', '--emit', 'js', overlap]);
    expect(js.out).toContain('return function classify(p, d)');
    expect((await runCli(['compile', '-O0', '--emit', 'js', overlap])).code).toBe(2);
  });

  it('refuses a policy with errors (exit 1) and a missing file (exit 2)', async () => {
    const bad = await runCli(['compile', join(fixtures, 'TMES0200-unknown-name.tmes')]);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('TMES0200');
    expect((await runCli(['compile', 'missing.tmes'])).code).toBe(2);
  });

  it('an artifact that was tampered with is rejected on load', async () => {
    const r = await runCli(['compile', overlap]);
    const art = JSON.parse(r.out);
    art.graph.nodes[0].kids[0] = 999999;
    expect(() => validateArtifact(art)).toThrow(/child 999999 out of range/);
    const art2 = JSON.parse(r.out);
    art2.classifier = { js: 1 };
    expect(() => validateArtifact(art2)).toThrow(/not a valid tmesc artifact/);
  });
});

describe('tmesc explain', () => {
  it('names the matching rules, groups and the path', async () => {
    const r = await runCli(['explain', overlap, '--packet', 'tcp 10.0.0.1:1234 > 10.0.0.2:80 vlan 3']);
    expect(r.code).toBe(0);
    const at = (line: number) => `at ${relative(process.cwd(), overlap)}:${line}`;
    expect(r.out).toContain(
      `matching rules: vlan13 (to a) ${at(7)}; tcp-all (to b) ${at(8)}; vlan36 (to c) ${at(9)}; low-or-high (to a, c) ${at(13)}; lo (to a) ${at(14)}; hi (to c) ${at(15)}`,
    );
    expect(r.out).toContain('goes to: group a -> tool a');
    expect(r.out).toMatch(/n\d+: vlan0 = 3/);
    expect(r.out).not.toContain('disagree');
  });
  it('names the tool a balanced group picks, the same for both directions', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tmesc-explain-'));
    const p = join(dir, 'lb.tmes');
    writeFileSync(
      p,
      'policy "lb"\ntap t { source pcap "a.pcap" }\ngroup ids { tool ids-1 { output pcap "1.pcap" } tool ids-2 { output pcap "2.pcap" } tool ids-3 { output pcap "3.pcap" } }\nrule web match tcp port 443 to ids\n',
    );
    const tool = (out: string) => /group ids -> tool (\S+)/.exec(out)?.[1];
    const picks = new Set<string | undefined>();
    for (let port = 50000; port < 50040; port++) {
      const fwd = await runCli(['explain', p, '--packet', `tcp 198.51.100.7:${port} > 10.1.2.3:443`]);
      const rev = await runCli(['explain', p, '--packet', `tcp 10.1.2.3:443 > 198.51.100.7:${port}`]);
      expect(tool(fwd.out)).toMatch(/^ids-\d$/);
      expect(tool(rev.out)).toBe(tool(fwd.out));
      picks.add(tool(fwd.out));
    }
    expect(picks.size).toBe(3);
  });

  it('rejects a description it cannot read', async () => {
    const r = await runCli(['explain', overlap, '--packet', 'tcp 10.0.0.1:99999 > 10.0.0.2:80']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('port 99999 is out of range');
    expect((await runCli(['explain', overlap])).code).toBe(2);
  });
});

describe('tmesc diff', () => {
  it('shows each change with an example packet; exit 1 on changes, 0 when equal', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tmesc-diff-'));
    const head =
      'policy "p"\ntap t { source pcap "a.pcap" }\ngroup ids { tool i { output pcap "i.pcap" } }\ngroup rec { tool r { output pcap "r.pcap" } }\n';
    const a = join(dir, 'a.tmes');
    const b = join(dir, 'b.tmes');
    writeFileSync(a, head + 'rule web match tcp dst port 80 to ids\nrule all match ip to rec\n');
    writeFileSync(
      b,
      head +
        'rule web match tcp dst port 80 or tcp dst port 443 to ids\nrule all match ip to rec\nrule no-dns match udp port 53 drop rec\n',
    );
    const r = await runCli(['diff', a, b]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^3 changes in where traffic goes:/);
    expect(r.out).toMatch(
      /packet: tap t tcp [\d.]+:\d+ > [\d.]+:443 flags ack\n\s+before: rec\n\s+after: {2}ids, rec\n\s+gains: {2}ids/,
    );
    expect(r.out).toMatch(
      /packet: tap t udp [\d.]+:53 > [^\n]*\n\s+before: rec\n\s+after: {2}nothing\n\s+loses: {2}rec/,
    );
    // IPv6 web traffic: `ip` never matched it, so it went nowhere before
    expect(r.out).toMatch(
      /packet: tap t tcp \[2001:db8::1\]:\d+ > \[2001:db8::2\]:443 flags ack\n\s+before: nothing\n\s+after: {2}ids\n\s+gains: {2}ids/,
    );
    const same = await runCli(['diff', a, a]);
    expect(same.code).toBe(0);
    expect(same.out).toBe('no change in where traffic goes\n');
  });
});
