import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../src/gen/generate.js';
import { isLuhnValid } from '../../src/gen/payload/luhn.js';
import { lines, missingTools, tempDir, tshark } from '../support/tools.js';
import { runCli } from '../cli/helpers.js';

const tools = missingTools('tshark');
const tmp = tempDir('tmesc-gen-tshark-');
afterAll(tmp.cleanup);

const CHECKSUMS = ['-o', 'ip.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE'];
const PROBLEMS = '_ws.malformed || _ws.expert.severity >= error';

/** Frames tshark flags as malformed or with an error-level expert item (bad checksums are errors). */
async function problems(path: string): Promise<string[]> {
  return lines(
    await tshark([
      '-r',
      path,
      ...CHECKSUMS,
      '-Y',
      PROBLEMS,
      '-T',
      'fields',
      '-e',
      'frame.number',
      '-e',
      '_ws.expert.message',
    ]),
  );
}

/** One dissection pass, one line per frame with these fields (multiple occurrences joined by ','). */
const FACT_FIELDS = [
  'tcp.flags',
  'gre.key',
  'vxlan.vni',
  'gtp.teid',
  'mpls.bottom',
  'http.authbasic',
  'ftp.request.command',
  'urlencoded-form.key',
  'urlencoded-form.value',
  'eth.dst',
] as const;
type Facts = Record<(typeof FACT_FIELDS)[number], string>[];

async function facts(path: string): Promise<Facts> {
  const out = await tshark(['-r', path, '-T', 'fields', ...FACT_FIELDS.flatMap((f) => ['-e', f])]);
  return lines(out).map((l) => {
    const cols = l.split('\t');
    return Object.fromEntries(FACT_FIELDS.map((f, i) => [f, cols[i] ?? ''])) as Facts[number];
  });
}

/** Every encapsulation and credential kind turned up, so a modest capture shows them all. */
const RICH = {
  packets: 30_000,
  seed: 11,
  flows: 200,
  ipv6Fraction: 0.25,
  credentialFraction: 0.3,
  encap: { vlan: 0.15, qinq: 0.1, mpls: 0.08, gre: 0.08, vxlan: 0.08, gtpu: 0.08 },
};

describe.skipIf(tools.skip)(`generated captures under tshark${tools.note}`, () => {
  const pcap = join(tmp.dir, 'rich.pcap');
  const pcapng = join(tmp.dir, 'rich.pcapng');
  let phs = '';
  let pcapProblems: string[] = [];
  let pcapngProblems: string[] = [];
  let f: Facts = [];
  const having = (field: keyof Facts[number], pred: (v: string) => boolean = (v) => v !== ''): number =>
    f.filter((x) => pred(x[field])).length;

  beforeAll(async () => {
    generate({ ...RICH, output: pcap });
    generate({ ...RICH, packets: 5000, output: pcapng, format: 'pcapng', resolution: 'ns' });
    // tshark passes are slow: run them side by side.
    [phs, pcapProblems, pcapngProblems, f] = await Promise.all([
      tshark(['-r', pcap, '-q', '-z', 'io,phs']),
      problems(pcap),
      problems(pcapng),
      facts(pcap),
    ]);
  });

  it('has no malformed packets and no checksum or other errors (pcap)', () => {
    expect(pcapProblems).toEqual([]);
    expect(f.length).toBe(RICH.packets);
  });

  it('has no malformed packets and no checksum or other errors (pcapng)', () => {
    expect(pcapngProblems).toEqual([]);
  });

  it('would notice a bad checksum (the check itself works)', async () => {
    // One untagged, untunnelled IPv4 DNS query: Ethernet, then the IP source address at 14 + 12.
    const path = join(tmp.dir, 'one.pcap');
    generate({
      packets: 1,
      seed: 1,
      flows: 1,
      ipv6Fraction: 0,
      mix: { dns: 1 },
      encap: { vlan: 0, qinq: 0, mpls: 0, gre: 0, vxlan: 0, gtpu: 0 },
      output: path,
    });
    expect(await problems(path)).toEqual([]);
    const damaged = readFileSync(path);
    damaged[24 + 16 + 14 + 12] ^= 0xff;
    writeFileSync(path, damaged);
    expect((await problems(path)).length).toBeGreaterThan(0);
  });

  it.each([
    ['tcp', 'TCP sessions'],
    ['udp', 'UDP'],
    ['dns', 'DNS'],
    ['http', 'HTTP'],
    ['ftp', 'FTP'],
    ['icmp', 'ICMP echo'],
    ['icmpv6', 'ICMPv6 echo'],
    ['arp', 'ARP'],
    ['dhcp', 'DHCP broadcast'],
    ['mdns', 'mDNS multicast'],
    ['ntp', 'NTP'],
    ['syslog', 'syslog'],
    ['ipv6', 'IPv6'],
    ['vlan', '802.1Q'],
    ['ieee8021ad', 'QinQ'],
    ['mpls', 'MPLS'],
    ['gre', 'GRE'],
    ['vxlan', 'VXLAN'],
    ['gtp', 'GTP-U'],
    ['urlencoded-form', 'HTTP POST form'],
  ])('io,phs shows %s (%s)', (proto) => {
    expect(phs).toMatch(new RegExp(`^\\s*${proto.replace(/[-.]/g, '\\$&')}\\s+frames:\\d+`, 'm'));
  });

  it('has complete TCP sessions: SYN, SYN-ACK, FIN', () => {
    expect(having('tcp.flags', (v) => v === '0x0002')).toBeGreaterThan(100);
    expect(having('tcp.flags', (v) => v === '0x0012')).toBeGreaterThan(100);
    expect(having('tcp.flags', (v) => v !== '' && (parseInt(v, 16) & 1) === 1)).toBeGreaterThan(100);
  });

  it('carries tunnel identifiers: GRE keys, VXLAN VNIs, GTP TEIDs, stacked MPLS labels', () => {
    expect(having('gre.key')).toBeGreaterThan(0);
    expect(having('vxlan.vni')).toBeGreaterThan(0);
    expect(having('gtp.teid')).toBeGreaterThan(0);
    expect(having('mpls.bottom', (v) => v.startsWith('0,'))).toBeGreaterThan(0);
  });

  it('carries clear-text credentials: HTTP Basic auth, FTP USER/PASS, a Luhn-valid card number', () => {
    const creds = f.map((x) => x['http.authbasic']).filter((v) => v !== '');
    expect(creds.length).toBeGreaterThan(0);
    expect(creds[0]).toMatch(/^\w+:.+$/);
    expect(having('ftp.request.command', (v) => v === 'USER')).toBeGreaterThan(0);
    expect(having('ftp.request.command', (v) => v === 'PASS')).toBeGreaterThan(0);
    const cards = f
      .filter((x) => x['urlencoded-form.key'].split(',').includes('card'))
      .flatMap((x) => x['urlencoded-form.value'].split(','))
      .filter((v) => /^\d{16}$/.test(v));
    expect(cards.length).toBeGreaterThan(0);
    for (const c of cards) expect(isLuhnValid(c)).toBe(true);
  });

  it('sends broadcast and multicast frames to the right addresses', () => {
    expect(having('eth.dst', (v) => v === 'ff:ff:ff:ff:ff:ff')).toBeGreaterThan(0);
    expect(having('eth.dst', (v) => v === '01:00:5e:00:00:fb')).toBeGreaterThan(0);
  });
});

describe.skipIf(tools.skip)(`tmesc gen --mix under tshark${tools.note}`, () => {
  /** The protocol names of tshark's protocol hierarchy (io,phs), one per line. */
  const hierarchy = (phs: string): string[] =>
    lines(phs)
      .map((l) => /^\s*(\S+)\s+frames:\d+/.exec(l)?.[1])
      .filter((x): x is string => x !== undefined);

  it('--mix tcp=1 generates TCP sessions only, encapsulated as --encap says', async () => {
    const path = join(tmp.dir, 'tcp-only.pcap');
    const r = await runCli(['gen', '-o', path, '-n', '3000', '--seed', '5', '--mix', 'tcp=1']);
    expect(r.code, r.err).toBe(0);
    const [phs, notTcp] = await Promise.all([
      tshark(['-r', path, '-q', '-z', 'io,phs']),
      tshark(['-r', path, '-Y', '!tcp', '-T', 'fields', '-e', 'frame.number']),
    ]);
    const protocols = new Set(hierarchy(phs));
    const others = ['dns', 'mdns', 'ntp', 'syslog', 'dhcp', 'icmp', 'icmpv6', 'arp'].filter((p) => protocols.has(p));
    expect(others).toEqual([]);
    // UDP appears only as the carrier of VXLAN and GTP-U, and every frame holds TCP
    expect(protocols).toContain('tcp');
    expect(lines(notTcp)).toEqual([]);
  });

  it('--mix tcp=1 without encapsulation: Ethernet, IP, TCP and what TCP carries', async () => {
    const path = join(tmp.dir, 'tcp-plain.pcap');
    const none = 'vlan=0,qinq=0,mpls=0,gre=0,vxlan=0,gtpu=0';
    const r = await runCli(['gen', '-o', path, '-n', '2000', '--mix', 'tcp=1', '--encap', none]);
    expect(r.code, r.err).toBe(0);
    const top = lines(await tshark(['-r', path, '-q', '-z', 'io,phs']))
      .filter((l) => /^\s{0,5}\S+\s+frames:/.test(l))
      .map((l) => l.trim().split(/\s+/)[0]);
    expect(new Set(top)).toEqual(new Set(['eth', 'ip', 'ipv6', 'tcp']));
  });
});
