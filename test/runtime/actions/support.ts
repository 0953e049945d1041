import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Artifact } from '../../../src/artifact/types.js';
import { openCapture } from '../../../src/runtime/capture/index.js';
import { runArtifact } from '../../../src/runtime/run/run.js';
import type { RunStats } from '../../../src/runtime/stats/stats.js';
import { artifactFor } from '../support/artifact.js';

const exec = promisify(execFile);

export interface Packet {
  data: Buffer;
  wireLen: number;
  tsSec: number;
  tsNsec: number;
  linkType: number;
}

/** Every packet of a capture file, bytes copied. */
export function readPackets(path: string): Packet[] {
  const src = openCapture(path);
  const out: Packet[] = [];
  try {
    for (let r; (r = src.next());)
      out.push({
        data: Buffer.from(r.data.subarray(0, r.capLen)),
        wireLen: r.wireLen,
        tsSec: r.tsSec,
        tsNsec: r.tsNsec,
        linkType: r.linkType,
      });
  } finally {
    src.close();
  }
  return out;
}

/** Compiles the policy body (after its `policy` line) in `dir` and runs it on this thread. */
export async function runPolicy(dir: string, body: string): Promise<{ stats: RunStats; artifact: Artifact }> {
  const artifact = artifactFor(dir, body);
  const notes: string[] = [];
  const stats = await runArtifact(artifact, { inputs: new Map(), workers: 0, note: (m) => notes.push(m) });
  return { stats, artifact };
}

/** tshark with name resolution off, stdout as text; errors are the test's failure. */
export async function tsharkText(args: string[]): Promise<string> {
  const { stdout } = await exec('tshark', ['-n', ...args], { maxBuffer: 1 << 28, encoding: 'utf8' });
  return stdout;
}

/** One line per packet of `fields`, tab-separated values (multiple occurrences comma-separated). */
export async function tsharkFields(file: string, fields: string[], extra: string[] = []): Promise<string[][]> {
  const out = await tsharkText([
    '-r',
    file,
    ...extra,
    '-T',
    'fields',
    '-E',
    'occurrence=a',
    ...fields.flatMap((f) => ['-e', f]),
  ]);
  return out
    .split('\n')
    .filter((l, i, a) => i < a.length - 1 || l !== '')
    .map((l) => l.split('\t'));
}

/** tshark options that turn checksum validation on (ICMP and ICMPv6 are always validated). */
export const CHECKSUMS_ON = [
  '-o',
  'ip.check_checksum:TRUE',
  '-o',
  'tcp.check_checksum:TRUE',
  '-o',
  'udp.check_checksum:TRUE',
];
/** The checksum status fields: 0 is bad, 1 good, 2 unverified. */
export const STATUS = [
  'ip.checksum.status',
  'tcp.checksum.status',
  'udp.checksum.status',
  'icmp.checksum.status',
  'icmpv6.checksum.status',
];

/** How many packets tshark finds a bad IPv4, TCP, UDP, ICMP or ICMPv6 checksum in, with validation on. */
export async function badChecksums(file: string): Promise<number> {
  const rows = await tsharkFields(file, STATUS, CHECKSUMS_ON);
  return rows.filter((r) => r.some((x) => x.split(',').includes('0'))).length;
}

export async function editcap(args: string[]): Promise<void> {
  await exec('editcap', args);
}

/** Concatenates captures (pcapng, so link types may differ), in the order given. */
export async function mergecap(out: string, files: string[]): Promise<void> {
  await exec('mergecap', ['-a', '-F', 'pcapng', '-w', out, ...files]);
}
