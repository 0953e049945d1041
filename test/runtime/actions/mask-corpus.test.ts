import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { corpusPath } from '../../support/corpus.js';
import { requirements } from '../../support/tools.js';
import { badChecksums, readPackets, runPolicy, tsharkFields, tsharkText } from './support.js';

/**
 * mask credentials and card numbers over the corpus's clear-text logins
 * (FTP, POP3, IMAP, SMTP AUTH, HTTP Basic, an HTTP form, Telnet): what
 * Wireshark decodes from the output (`tshark -T fields`) shows the masks,
 * the secrets it decodes from the input appear nowhere in the output's
 * streams, every packet keeps its length and changes only in masked
 * payload bytes and checksums, and no checksum goes bad (validation on).
 */
const need = requirements({ tools: ['tshark'], corpus: true });
const dir = mkdtempSync(join(tmpdir(), 'tmesc-mask-corpus-'));

interface Case {
  file: string;
  /** Fields whose values in the input are secrets (each value, split at commas). */
  secrets: { filter: string; fields: string[]; keep?: (v: string) => boolean }[];
  /** Fields of the output, and what they must read. */
  shows: { filter: string; fields: string[]; want: string[][] }[];
}

const CASES: Case[] = [
  {
    file: 'ftp-password-pass-command.pcap',
    secrets: [{ filter: 'ftp.request', fields: ['ftp.request.arg'] }],
    shows: [
      {
        filter: 'ftp.request.command == "USER" or ftp.request.command == "PASS"',
        fields: ['ftp.request.command', 'ftp.request.arg'],
        want: [
          ['USER', '*****'],
          ['PASS', '******'],
        ],
      },
    ],
  },
  {
    file: 'pop3-03-bug-7709.pcap',
    secrets: [{ filter: 'pop.request', fields: ['pop.request.parameter'] }],
    shows: [
      {
        filter: 'pop.request.command == "PASS"',
        fields: ['pop.request.parameter'],
        want: [['******'], ['******']],
      },
    ],
  },
  {
    file: 'pop3.pcap',
    secrets: [{ filter: 'pop.request', fields: ['pop.request.command'], keep: (v) => v.length > 20 }],
    shows: [],
  },
  {
    file: 'imap-detection.pcap',
    secrets: [{ filter: 'imap.request contains "LOGIN"', fields: ['imap.request'], keep: () => false }],
    shows: [
      {
        filter: 'imap.request contains "LOGIN"',
        fields: ['imap.request'],
        // the quotes stay: the masked command is still IMAP (Wireshark called `a0001 LOGIN ***...` malformed)
        want: [[`a0001 LOGIN "${'*'.repeat(10)}" "${'*'.repeat(6)}"`]],
      },
    ],
  },
  {
    file: 'smtp.pcap',
    secrets: [
      { filter: 'smtp.auth.username or smtp.auth.password', fields: ['smtp.auth.username', 'smtp.auth.password'] },
    ],
    shows: [],
  },
  {
    file: 'smtp-bug-6053.pcap',
    secrets: [
      { filter: 'smtp.auth.username or smtp.auth.password', fields: ['smtp.auth.username', 'smtp.auth.password'] },
    ],
    shows: [],
  },
  {
    file: 'basic-auth-with-extra-space.pcap',
    secrets: [{ filter: 'http.authorization', fields: ['http.authorization'], keep: () => false }],
    shows: [{ filter: 'http.authorization', fields: ['http.authorization'], want: [[`Basic  ${'*'.repeat(12)}`]] }],
  },
  {
    file: 'http-request-invalid.pcap',
    secrets: [{ filter: 'urlencoded-form', fields: ['urlencoded-form.value'] }],
    shows: [
      {
        filter: 'urlencoded-form',
        fields: ['urlencoded-form.key', 'urlencoded-form.value'],
        want: [['login,password', '***,***']],
      },
    ],
  },
  {
    file: 'telnet.pcap',
    secrets: [
      { filter: 'telnet.data', fields: ['telnet.data'], keep: (v) => v === 'fake\\r\\n' || v === 'user\\r\\n' },
    ],
    shows: [],
  },
];

/** How many packets Wireshark's dissectors call malformed. */
async function malformed(file: string): Promise<number> {
  return (await tsharkText(['-r', file, '-V'])).split('\n').filter((l) => l.includes('[Malformed Packet')).length;
}

async function streams(file: string): Promise<string[]> {
  const rows = await tsharkFields(file, ['tcp.stream', 'tcp.srcport', 'tcp.payload'], ['-Y', 'tcp.len > 0']);
  const by = new Map<string, string>();
  for (const [s, port, hex] of rows)
    by.set(
      `${s}/${port}`,
      (by.get(`${s}/${port}`) ?? '') + Buffer.from(hex.replace(/:/g, ''), 'hex').toString('latin1'),
    );
  return [...by.values()];
}

describe.skipIf(need.skip)('mask over the corpus logins', () => {
  it.each(CASES)('$file', async (c) => {
    const input = corpusPath(c.file);
    const output = join(dir, `${c.file}.out.pcap`);
    const { stats } = await runPolicy(
      dir,
      `tap a { source pcap "${input}" }
group g { tool t { output pcap "${output}" } mask card-number, credentials }
rule r from a match any to g`,
    );
    const g = stats.groups[0];
    expect(g.delivered).toBe(g.in);
    expect(g.actions.mask.masked).toBeGreaterThan(0);

    // lengths kept, and only masked payload bytes and checksum fields changed; a held packet may
    // leave after packets of other sessions, so packets are paired by capture time
    const a = readPackets(input);
    const b = new Map<string, ReturnType<typeof readPackets>>();
    const outPackets = readPackets(output);
    for (const p of outPackets) b.set(`${p.tsSec}.${p.tsNsec}`, [...(b.get(`${p.tsSec}.${p.tsNsec}`) ?? []), p]);
    expect(outPackets.length).toBe(a.length);
    a.forEach((p, i) => {
      const same = b.get(`${p.tsSec}.${p.tsNsec}`)!;
      const q = same.splice(
        Math.max(
          0,
          same.findIndex((x) => x.data.length === p.data.length),
        ),
        1,
      )[0];
      expect(q.data.length).toBe(p.data.length);
      for (let k = 0; k < p.data.length; k++)
        if (q.data[k] !== p.data[k] && q.data[k] !== 0x2a) {
          // a checksum field: TCP's (IPv4 without options: 50, 51)
          expect([50, 51], `${c.file} packet ${i + 1} byte ${k}`).toContain(k);
        }
    });
    expect(await badChecksums(output)).toBeLessThanOrEqual(await badChecksums(input));

    // the secrets Wireshark finds in the input are nowhere in the output's streams
    const secrets: string[] = [];
    for (const s of c.secrets)
      for (const row of await tsharkFields(input, s.fields, ['-Y', s.filter]))
        for (const v of row.flatMap((x) => x.split(',')))
          if (v && (s.keep ? s.keep(v) : true)) secrets.push(v.replace(/\\r\\n$/, ''));
    if (c.file === 'imap-detection.pcap') secrets.push('neulingern', 'XXXXXX');
    if (c.file === 'basic-auth-with-extra-space.pcap') secrets.push('dGVzdDoxMjM0');
    expect(secrets.length, 'secrets found in the input').toBeGreaterThan(0);
    const out = await streams(output);
    for (const secret of secrets) for (const text of out) expect(text, c.file).not.toContain(secret);

    for (const s of c.shows) expect(await tsharkFields(output, s.fields, ['-Y', s.filter])).toEqual(s.want);

    // a broker masks the secret, not the syntax: Wireshark finds no more malformed packets in the output
    expect(await malformed(output), `${c.file}: malformed packets in the output`).toBe(await malformed(input));
  });
});
