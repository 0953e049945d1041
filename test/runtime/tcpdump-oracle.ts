import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildArtifact } from '../../src/artifact/build.js';
import { checkPolicyFile } from '../../src/check/check.js';
import { compilePolicy } from '../../src/ir/compile.js';
import { openCapture } from '../../src/runtime/capture/index.js';

/** Packets of a capture as comparable keys: timestamp and bytes, in file order. */
export function packetKeys(path: string): string[] {
  const src = openCapture(path);
  const out: string[] = [];
  // microseconds: tcpdump -w writes microsecond pcap whatever the input had
  for (let r; (r = src.next());)
    out.push(`${r.tsSec}.${Math.floor(r.tsNsec / 1000)}:${Buffer.from(r.data).toString('hex')}`);
  src.close();
  return out;
}

/** Keys of a capture's packets with their 1-based numbers, for reporting. */
export function numbered(path: string): Map<string, number[]> {
  const m = new Map<string, number[]>();
  packetKeys(path).forEach((k, i) => m.set(k, [...(m.get(k) ?? []), i + 1]));
  return m;
}

export function compileFilter(expr: string) {
  const dir = mkdtempSync(join(tmpdir(), 'tmesc-oracle-'));
  const path = join(dir, 'p.tmes');
  writeFileSync(
    path,
    `policy "oracle"\ntap t { source pcap "in.pcap" }\ngroup g { tool o { output pcap "out.pcap" } }\nrule r match ${expr} to g\n`,
  );
  const r = checkPolicyFile(path);
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) throw new Error(`${expr}: ${errors.map((d) => d.message).join('; ')}`);
  rmSync(dir, { recursive: true });
  return buildArtifact(r.policy, compilePolicy(r.policy), 'test');
}

/**
 * tcpdump does not look through VLAN tags, MPLS labels or PPPoE, tmesc does.
 * To keep tcpdump the oracle on such captures, ask it the same question under
 * each encapsulation (its `vlan`, `mpls`, `pppoes` keywords shift the offsets
 * of what follows) and take the union of what it keeps.
 */
export const LOOK_THROUGH = [
  '',
  'vlan and ',
  'vlan and vlan and ',
  'mpls and ',
  'mpls and mpls and ',
  'mpls and mpls and mpls and ',
  'pppoes and ',
  'vlan and pppoes and ',
];

export function tcpdumpKeys(
  input: string,
  expr: string,
  variants: string[],
  work: string,
): { keys: string[] | undefined; error?: string } {
  const seen = new Map<string, number>();
  let anyOk = false;
  let error: string | undefined;
  for (const prefix of variants) {
    const out = join(work, 'tcpdump.pcap');
    const td = spawnSync('tcpdump', ['-r', input, '-w', out, `${prefix}(${expr})`], { encoding: 'utf8' });
    if (td.status !== 0) {
      error ??= td.stderr.trim().split('\n').pop();
      continue;
    }
    anyOk = true;
    // the same packet kept by two variants counts once: a packet carries one encapsulation
    const counts = new Map<string, number>();
    for (const k of packetKeys(out)) counts.set(k, (counts.get(k) ?? 0) + 1);
    for (const [k, n] of counts) seen.set(k, Math.max(seen.get(k) ?? 0, n));
  }
  if (!anyOk) return { keys: undefined, error };
  return { keys: [...seen].flatMap(([k, n]) => Array(n).fill(k) as string[]) };
}
