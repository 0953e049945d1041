import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runArtifact } from '../../../src/runtime/run/run.js';
import { artifactFor } from '../support/artifact.js';

/**
 * A tap whose capture has a link type tmesc does not decode (NFLOG, 802.11
 * radio headers, USER0...): no filter that tests a header can match its
 * packets, and tcpdump refuses to filter it at all ("NFLOG link-layer type
 * filtering not implemented"). The packets are counted unmatched; the user
 * who wrote `match ip` must be told why nothing was delivered, not left with
 * an empty output and a clean stderr.
 */

const dir = mkdtempSync(join(tmpdir(), 'tmesc-undecoded-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const LINKTYPE_NFLOG = 239;
/** NFLOG: family AF_INET, version 0, resource id; a TLV of the payload: an IPv4/UDP packet. */
function nflogRecord(): Buffer {
  const ip = Buffer.from('450000200001000040117ccd0a0000010a000002003500350008000001020304', 'hex');
  const tlvLen = 4 + ip.length;
  const tlv = Buffer.alloc(4);
  tlv.writeUInt16LE(tlvLen, 0);
  tlv.writeUInt16LE(9, 2); // NFULA_PAYLOAD
  return Buffer.concat([Buffer.from([2, 0, 0, 0]), tlv, ip]);
}

function writePcap(path: string, linkType: number, frames: Buffer[]): void {
  const h = Buffer.alloc(24);
  h.writeUInt32LE(0xa1b2c3d4, 0);
  h.writeUInt16LE(2, 4);
  h.writeUInt16LE(4, 6);
  h.writeUInt32LE(65535, 16);
  h.writeUInt32LE(linkType, 20);
  const recs = frames.map((f, i) => {
    const r = Buffer.alloc(16);
    r.writeUInt32LE(1_700_000_000 + i, 0);
    r.writeUInt32LE(f.length, 8);
    r.writeUInt32LE(f.length, 12);
    return Buffer.concat([r, f]);
  });
  writeFileSync(path, Buffer.concat([h, ...recs]));
}

describe('a tap capture of a link type tmesc does not decode', () => {
  it('newuser D1: `match ip` on an NFLOG capture delivers nothing and says why on stderr', async () => {
    const capture = join(dir, 'nflog.pcap');
    writePcap(capture, LINKTYPE_NFLOG, [nflogRecord(), nflogRecord(), nflogRecord()]);
    const a = artifactFor(
      dir,
      `tap t { source pcap "${capture}" }\ngroup g { tool w { output pcapng "${dir}/g.pcapng" } }\nrule r from t match ip to g`,
    );
    const warnings: string[] = [];
    const stats = await runArtifact(a, { inputs: new Map(), warn: (m) => warnings.push(m), note: () => {} });
    expect(stats.packetsRead).toBe(3);
    expect(stats.unmatched).toBe(3);
    // the file, the link type by name and number, and what it means for the rules
    expect(warnings).toEqual([expect.stringMatching(new RegExp(`^${capture}: .*NFLOG.*\\(239\\).*not .*decode`))]);
  });
});
