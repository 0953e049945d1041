/**
 * mask on every packet path: the same hostile captures through the decoder
 * path (the reference), the generated path (chunk loop on, read buffers of
 * 97 bytes, 1,517 bytes and 64 KiB; and record by record) and `auto`, with
 * mask-only policies, mask beside other groups, mask after strip, mask with
 * the tap's mark, and two mask groups with different targets: every tool's
 * file byte for byte the same, every counter the same. And an oracle of its
 * own on the masked files (mask-paths.ts: its own parser, IP and TCP
 * reassembly, card finder): every byte of a secret the generator planted
 * comes out as the fill in every copy a tool received; no Luhn-valid card
 * number is left in any reassembled stream; decoys (Luhn-invalid numbers)
 * survive where nothing around them is hostile. The harness is
 * mask-paths-harness.ts; the variants (retransmits, overlaps, RST, snap
 * cuts, fragments...) are mask-paths-variants.test.ts, many sessions and
 * single defects mask-paths-sessions.test.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LINKTYPE } from '../../../src/fields/fields.js';
import { CORPUS_DIR, CORPUS_NOTE, corpusManifest } from '../../support/corpus.js';
import {
  check,
  Checks,
  cleanup,
  differential,
  dir,
  PATHS,
  POLICIES,
  session,
  type Session,
  summary,
  VARIANTS,
} from './mask-paths-harness.js';
import { pcapFile, PROTOCOLS, reassemble, readings, Rng, script, streamsOf } from './mask-paths.js';
import { readPackets } from './support.js';

afterAll(cleanup);

describe('mask on every packet path: decoder = generated = auto, nothing leaks (own reassembly oracle)', () => {
  // the sessions' capture written once, each policy's runs made by its own test
  let splits: Checks | undefined;
  const splitChecks = () => {
    if (splits) return splits;
    const r = new Rng(1207);
    const sessions: Session[] = [];
    for (const proto of PROTOCOLS) {
      const probe = streamsOf(script(proto, new Rng(1)));
      for (let si = 0; si < probe.secrets.length; si++) {
        const len = probe.secrets[si].end - probe.secrets[si].start;
        for (let k = 1; k < Math.min(len, 20); k++)
          for (const more of k % 3 === 1 ? [0, 2] : [0])
            sessions.push(
              session(sessions.length + 1, proto, r, {
                secret: si,
                split: k,
                cuts: more ? undefined : [[], []],
              }),
            );
      }
    }
    return (splits = new Checks(sessions, LINKTYPE.ETHERNET, 24));
  };
  for (const policy of ['mask only', 'two mask groups'])
    it(`every protocol, a secret split at every offset over 2 segments, and over 3-4 (random further cuts): ${policy}`, async () => {
      const found = await splitChecks().policy(policy);
      expect(summary([...found.paths, ...found.leaks])).toEqual([]);
    });

  for (const link of [LINKTYPE.RAW, LINKTYPE.LINUX_SLL, LINKTYPE.NULL])
    it(`link type ${link}: IP, IPv6 with extension headers, IPv4 options, tunnels; every variant`, async () => {
      const r = new Rng(link);
      const sessions: Session[] = [];
      for (const variant of VARIANTS)
        for (const enc of ['eth', 'v6ext', 'v4opt', 'gre', 'vxlan', 'gtp'] as const)
          if (variant !== 'fragment' || enc !== 'v6ext')
            sessions.push(session(sessions.length + 1, r.pick(PROTOCOLS), r, { enc, variant }));
      const found = await check(sessions, link, 6, ['mask only', 'mask after strip', 'two mask groups']);
      expect(summary([...found.paths, ...found.leaks])).toEqual([]);
    });
});

// ---- the corpus

/** Credentials in a capture's client streams as its protocol writes them (read from the input, not from mask). */
const CREDENTIAL_LINES: RegExp[] = [
  /^(?:USER|PASS) ([^\r\n]+)\r?\n/gm,
  /^[A-Za-z0-9.]+ LOGIN ([^ \r\n]+) ([^\r\n]+)\r?\n/gim,
  /^AUTH PLAIN ([A-Za-z0-9+/=]+)\r?\n/gim,
  /^(?:Proxy-)?Authorization: *Basic +([A-Za-z0-9+/=]+)/gim,
];

describe(`mask over the corpus (http, cleartext-credentials): every path the same, the logins filled${CORPUS_NOTE}`, () => {
  const rows = corpusManifest().filter(
    (x) => x.categories.includes('cleartext-credentials') || x.categories.includes('http'),
  );
  it.skipIf(rows.length === 0)('every such capture', async () => {
    const bad: string[] = [];
    const checked: string[] = [];
    const pol = POLICIES['mask only'];
    for (const row of rows) {
      const file = join(CORPUS_DIR, row.file);
      const { bad: diff, files } = await differential(
        pol.body,
        file,
        PATHS.filter((p) => p.buffer !== 1517),
      );
      bad.push(...diff.map((x) => `${row.file}: ${x}`));
      if (!['ether', 'linux-sll', 'rawip', 'null'].includes(row.linkType)) continue;
      // the input's streams, by the oracle's own reading; the credentials in them; the same offsets in the output
      const input = readPackets(file);
      const link = input[0]?.linkType ?? LINKTYPE.ETHERNET;
      if (![LINKTYPE.ETHERNET, LINKTYPE.RAW, LINKTYPE.LINUX_SLL, LINKTYPE.NULL].includes(link)) continue;
      const asPcap = pcapFile(
        dir,
        `corpus-${row.file}.pcap`,
        input.map((p) => ({ data: p.data, wireLen: p.wireLen })),
        link,
      );
      const ins = reassemble([readFileSync(asPcap)]);
      const outs = reassemble([files[0]]);
      for (const [k, st] of ins)
        for (const text of readings(st).slice(0, 1))
          for (const re of CREDENTIAL_LINES)
            for (const m of text.matchAll(re))
              for (let g = 1; g < m.length; g++) {
                checked.push(`${row.file}: ${m[0].trim()}`);
                const start = m.index + m[0].indexOf(m[g]);
                const out = outs.get(k);
                for (let o = start; o < start + m[g].length; o++) {
                  const vs = [...(out?.get(o) ?? [])];
                  // spaces and quotes stay (the syntax around a secret), IMAP's quoted strings, SASL's '=' and '*' cancel
                  if (
                    vs.some(
                      (v) =>
                        v !== 0x2a && !' "'.includes(String.fromCharCode(v)) && v === st.get(o)?.values().next().value,
                    )
                  ) {
                    bad.push(`${row.file}: ${k}: ${JSON.stringify(m[0].trim())}: byte ${o - start} left`);
                    break;
                  }
                }
              }
    }
    expect(summary(bad)).toEqual([]);
    // the logins the oracle read in the corpus: FTP and POP3, IMAP, HTTP Basic (it has no AUTH PLAIN)
    for (const what of ['PASS ', 'LOGIN ', 'Basic '])
      expect(checked.filter((c) => c.includes(what)).length, what).toBeGreaterThan(0);
  });
});
