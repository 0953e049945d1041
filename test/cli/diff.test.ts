import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { regexExample } from '../../src/cli/regex-example.js';
import { ROOT } from './built.js';
import { runCli } from './helpers.js';

// tmesc diff: each change with a real example packet (built, decoded and classified by both
// policies), the rules behind it with file:line in each policy, JSON, and diff(1)'s exit codes.

const TMP = mkdtempSync(join(tmpdir(), 'tmesc-diff-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

interface Change {
  packet: string;
  verified: boolean;
  before: string[];
  after: string[];
  gains: string[];
  loses: string[];
  causes: {
    policy: string;
    name: string;
    action: string;
    groups: string[];
    file: string;
    line: number;
    change: string;
    counterpart?: { file: string; line: number };
  }[];
}

let n = 0;
function pair(old: string, changed: string): [string, string] {
  const dir = mkdtempSync(join(TMP, `p${n++}-`));
  const a = join(dir, 'old.tmes');
  const b = join(dir, 'new.tmes');
  writeFileSync(a, old);
  writeFileSync(b, changed);
  return [a, b];
}

async function diffJson(a: string, b: string): Promise<{ formatVersion: number; same: boolean; changes: Change[] }> {
  // run from the scratch tree, as from a project's top: the copied examples include ../lib, which must be under it
  const r = await runCli(['diff', a, b, '--format', 'json'], TMP);
  expect(r.code, r.err).toBe(1);
  return JSON.parse(r.out);
}

/** Where explain sends a packet under a policy: the groups, sorted. */
async function explainGroups(policy: string, packet: string): Promise<string[]> {
  const r = await runCli(['explain', policy, '--packet', packet, '--format', 'json'], TMP);
  expect(r.code, `${packet}: ${r.err}`).toBe(0);
  return (JSON.parse(r.out).packets[0].goesTo as { group: string }[]).map((g) => g.group).sort();
}

/** The datacenter example and an edit of it: a changed filter, a rule's taps, a new drop, a removed rule. */
function datacenterPair(): [string, string] {
  const dir = mkdtempSync(join(TMP, 'dc-'));
  cpSync(join(ROOT, 'rules'), join(dir, 'rules'), { recursive: true });
  cpSync(join(ROOT, 'samples'), join(dir, 'samples'), { recursive: true });
  const a = join(dir, 'rules', 'examples', 'datacenter.tmes');
  const b = join(dir, 'rules', 'examples', 'datacenter-new.tmes');
  const text = readFileSync(a, 'utf8');
  const edited = text
    .replace(/src net RFC1918 and dst net RFC1918(\s+)to ids/, 'src net 10.0.0.0/8 and dst net RFC1918$1to ids')
    .replace(/rule headers(\s+)from any\s+/, 'rule headers$1from core-a, archive ')
    .replace('(tcp port nfs and greater 1000) drop recorder', 'tcp port nfs or vxlan vni 7 drop recorder')
    .replace(/rule no-dns-probe .*\n/, '');
  expect(edited).not.toBe(text);
  writeFileSync(b, edited);
  return [a, b];
}

describe('tmesc diff: real example packets', () => {
  it('every example is a packet explain reads, which each policy sends where the change says', async () => {
    const [a, b] = datacenterPair();
    const j = await diffJson(a, b);
    expect(j.changes.length).toBeGreaterThan(10);
    for (const c of j.changes) {
      expect(c.verified, c.packet).toBe(true);
      // nothing like the old `tcp 0.0.0.0:8080 > 0.0.0.0:0 gre len 0`
      expect(c.packet).not.toMatch(/\b0\.0\.0\.0\b|:0\b|len 0\b/);
      expect(await explainGroups(a, c.packet), `${c.packet} under the old policy`).toEqual([...c.before].sort());
      expect(await explainGroups(b, c.packet), `${c.packet} under the new policy`).toEqual([...c.after].sort());
    }
    // payload patterns are met by a string they match (the AWS key pattern of the DLP rule)
    expect(j.changes.some((c) => /payload "AKIA/.test(c.packet))).toBe(true);
  });

  it('a tunnel in a rule gets a consistent tunnel packet: VXLAN in UDP 4789, GRE in IP protocol 47', async () => {
    const head = `policy "p"\ntap t { source pcap "a.pcap" }\ngroup g { tool w { output pcap "w.pcap" } }\n`;
    const [a, b] = pair(
      `${head}rule all match ip to g\n`,
      `${head}rule all match ip to g\nrule no-vni-7 match vxlan vni 7 drop g\nrule no-gre match gre key 9 drop g\n`,
    );
    const j = await diffJson(a, b);
    const vx = j.changes.find((c) => c.causes.some((k) => k.name === 'no-vni-7'));
    // found by its port, on either side, as the decoder finds it
    expect(vx?.packet).toMatch(/^tap t vxlan 7 udp [\d.]+:\d+ > [\d.]+:\d+ inner /);
    expect(vx?.packet).toMatch(/:4789\b/);
    const gre = j.changes.find((c) => c.causes.some((k) => k.name === 'no-gre'));
    expect(gre?.packet).toMatch(/^tap t gre 9 [\d.]+ > [\d.]+ inner /);
    for (const c of j.changes) expect(await explainGroups(b, c.packet)).toEqual(c.after);
  });

  it('addresses and ports come from the policy and its ranges, with plausible hosts', async () => {
    const head = `policy "p"\ntap t { source pcap "a.pcap" }\ngroup g { tool w { output pcap "w.pcap" } }\n`;
    const [a, b] = pair(
      `${head}rule db match tcp dst port 5432 and dst net 10.20.0.0/16 to g\n`,
      `${head}rule db match tcp dst port 5432 and dst net 10.20.0.0/15 to g\n`,
    );
    const j = await diffJson(a, b);
    expect(j.changes).toHaveLength(1);
    expect(j.changes[0].packet).toMatch(/^tap t tcp [\d.]+:\d+ > 10\.21\.0\.1:5432 flags ack$/);
  });
});

describe('tmesc diff: the rules behind each change', () => {
  const head = `policy "p"\ntap t { source pcap "a.pcap" }\ngroup ids { tool i { output pcap "i.pcap" } }\ngroup rec { tool r { output pcap "r.pcap" } }\n`;

  it('names added, removed and edited rules with file:line in each policy', async () => {
    const [a, b] = pair(
      `${head}rule web match tcp dst port 80 to ids\nrule all match ip to rec\nrule old-dns match udp port 53 to ids\n`,
      `${head}rule all match ip to rec\n\nrule web match tcp dst port 80 or tcp dst port 443 to ids\nrule no-ssh match tcp port 22 drop rec\n`,
    );
    const j = await diffJson(a, b);
    const causes = j.changes.flatMap((c) =>
      c.causes.map(
        (k) =>
          `${k.policy} ${k.name} ${k.change} ${k.file.split('/').pop()}:${k.line}${k.counterpart ? ` ${k.counterpart.file.split('/').pop()}:${k.counterpart.line}` : ''}`,
      ),
    );
    expect(new Set(causes)).toEqual(
      new Set([
        'new web now-matches new.tmes:7 old.tmes:5',
        'new no-ssh added new.tmes:8',
        'old old-dns removed old.tmes:7',
      ]),
    );
    const text = await runCli(['diff', a, b]);
    expect(text.out).toContain(`+ ${b}:7: rule web (to ids) now matches it (was ${a}:5)`);
    expect(text.out).toContain(`+ ${b}:8: rule no-ssh (drop rec) added: matches it`);
    expect(text.out).toContain(`- ${a}:7: rule old-dns (to ids) removed: it matched`);
  });

  it('a rule that still matches but does something else is named in both', async () => {
    const [a, b] = pair(`${head}rule web match tcp port 80 to ids\n`, `${head}rule web match tcp port 80 to rec\n`);
    const j = await diffJson(a, b);
    expect(j.changes).toHaveLength(1);
    expect(j.changes[0]).toMatchObject({ before: ['ids'], after: ['rec'] });
    expect(j.changes[0].causes.map((k) => `${k.policy} ${k.change} ${k.groups}`)).toEqual([
      'old changed ids',
      'new changed rec',
    ]);
  });
});

describe('tmesc diff: output and exit codes', () => {
  const head = `policy "p"\ntap t { source pcap "a.pcap" }\ngroup g { tool w { output pcap "w.pcap" } }\n`;

  it('exit 0 and "same" when nothing changes, in text and JSON', async () => {
    const [a, b] = pair(
      `${head}rule r match tcp port 80 to g\n`,
      `${head}# reworded\nrule r match port 80 and tcp to g\n`,
    );
    const t = await runCli(['diff', a, b]);
    expect(t.code).toBe(0);
    expect(t.out).toBe('no change in where traffic goes\n');
    const j = await runCli(['diff', a, b, '--format', 'json']);
    expect(j.code).toBe(0);
    expect(JSON.parse(j.out)).toEqual({ formatVersion: 1, same: true, changes: [] });
  });

  it('exit 2, not 1, for a policy with errors, a missing file and a bad option', async () => {
    const [a, b] = pair(`${head}rule r match tcp port 80 to g\n`, `${head}rule r match tcp port 80 to nowhere\n`);
    const broken = await runCli(['diff', a, b]);
    expect(broken.code).toBe(2);
    expect(broken.err).toMatch(/unknown group 'nowhere'/);
    expect(broken.out).toBe('');
    expect((await runCli(['diff', a, join(TMP, 'missing.tmes')])).code).toBe(2);
    expect((await runCli(['diff', a, b, '--format', 'xml'])).code).toBe(2);
  });
});

describe('regexExample: a string a policy pattern matches', () => {
  it.each([
    '\\b(?:AKIA|ASIA)[A-Z0-9]{16}\\b',
    '\\b[0-8][0-9]{2}-[0-9]{2}-[0-9]{4}\\b',
    '\\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+\\.[A-Za-z0-9.-]+\\b',
    'aws_secret_access_key *[=:] *[A-Za-z0-9\\/+]{40}',
    '-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY-----',
    '[?&](?:password|passwd|pwd|pass)=[^&\\s]+',
    '\\r\\nAuthorization: *[^\\r\\n]+',
    '^GET \\/[a-z]*$',
    'x|',
  ])('%s', (source) => {
    const s = regexExample(source);
    expect(s).toBeDefined();
    expect(new RegExp(source).test(s!)).toBe(true);
  });

  it('declines what it does not read', () => {
    expect(regexExample('(a)\\1')).toBeUndefined();
    expect(regexExample('a(?=b)')).toBeUndefined();
  });
});
