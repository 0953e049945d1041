import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { TcpSessionTable } from '../../../src/runtime/actions/tcp-stream.js';
import { runArtifact } from '../../../src/runtime/run/run.js';
import { corpusManifest, corpusPath } from '../../support/corpus.js';
import { requirements } from '../../support/tools.js';
import { artifactFor } from '../support/artifact.js';

/**
 * mask on the generated packet path (a plain TCP segment's session from the
 * walk's offsets, in the reader's chunk: tcp-stream findWalked) against the
 * decoder path over the corpus's web, login and TCP captures, read and
 * written as `tmesc run` does: the tool's file byte for byte the same, and
 * every counter. Two policies: mask alone (all of it on the per-record
 * path), and the actions bench's compare policy (a recorder that strips and
 * cuts in the chunk loop beside the masking group, the tap's VLAN mark on
 * every replica).
 *
 * Bounded: files of these categories up to MAX_BYTES, at most MAX_FILES in
 * manifest order; what is left out is said in the suite's name.
 */
const need = requirements({ corpus: true });
const dir = mkdtempSync(join(tmpdir(), 'tmesc-mask-walked-corpus-'));

const CATEGORIES = ['http', 'cleartext-credentials', 'tcp-session', 'tcp-options', 'truncated'];
const MAX_BYTES = 2 << 20;
const MAX_FILES = 60;

const rows = corpusManifest().filter((r) => r.categories.some((c) => CATEGORIES.includes(c)));
const picked = rows.filter((r) => r.bytes <= MAX_BYTES).slice(0, MAX_FILES);
const leftOut = rows.length - picked.length;

const POLICIES = {
  mask: (input: string, out: string) => `tap a { source file "${input}" }
group web { tool web { output pcap "${out}/web.pcap" } mask card-number, credentials }
rule r from a match any to web`,
  compare: (input: string, out: string) => `tap a { source file "${input}"; mark vlan 100 }
group rec { tool rec { output pcap "${out}/rec.pcap" } strip all; truncate frame 128 }
group web { tool web { output pcap "${out}/web.pcap" } mask card-number, credentials }
rule all from a match any to rec
rule web from a match tcp to web`,
  // the tap's mark before shape (pushed into the replica: a step after mask that reads the bytes) and a pcapng file
  // (no record copied as it lies: every packet's frame written): the replica the walk hands mask without its bytes
  // (Replica.bytes) is made whole for both
  shaped: (input: string, out: string) => `tap a { source file "${input}"; mark vlan 100 }
group web { tool web { output pcapng "${out}/web.pcap"; rate 10 Gbps } mask card-number, credentials; shape burst 1 GB }
rule r from a match any to web`,
};

async function run(policy: keyof typeof POLICIES, file: string, path: 'generated' | 'decoder') {
  const out = join(dir, `${policy}-${path}-${file.replace(/[^a-z0-9]/gi, '_')}`);
  mkdirSync(out, { recursive: true });
  const artifact = artifactFor(dir, POLICIES[policy](corpusPath(file), out));
  const spy = vi.spyOn(TcpSessionTable.prototype, 'findWalked');
  const stats = await runArtifact(artifact, { inputs: new Map(), workers: 0, packetPath: path });
  const walked = spy.mock.calls.length;
  spy.mockRestore();
  return {
    walked,
    web: readFileSync(join(out, 'web.pcap')),
    rec: policy === 'compare' ? readFileSync(join(out, 'rec.pcap')) : undefined,
    // the counters, with the run's own output directory named alike
    counted: JSON.parse(
      JSON.stringify({ groups: stats.groups, taps: stats.taps, read: stats.packetsRead }).split(out).join('OUT'),
    ) as unknown,
  };
}

describe.skipIf(need.skip || picked.length === 0)(
  `mask from the walk over the corpus (${picked.length} captures${leftOut > 0 ? `, ${leftOut} larger or past ${MAX_FILES} left out` : ''})${need.note}`,
  () => {
    let walked = 0;
    for (const policy of Object.keys(POLICIES) as (keyof typeof POLICIES)[])
      it.for(picked.map((r) => r.file))(`${policy}: %s the same on both paths`, async (file) => {
        const gen = await run(policy, file, 'generated');
        const dec = await run(policy, file, 'decoder');
        expect(dec.walked).toBe(0);
        expect(gen.web.equals(dec.web)).toBe(true);
        if (gen.rec !== undefined) expect(gen.rec.equals(dec.rec!)).toBe(true);
        expect(gen.counted).toEqual(dec.counted);
        walked += gen.walked;
      });
    it('the walk fed mask (else both runs were the decoder path)', () => {
      expect(walked).toBeGreaterThan(1000);
    });
  },
);
