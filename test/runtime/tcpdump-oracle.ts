import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
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
  return compileFilters([expr]);
}

/** One group receiving what any of the filters matches, each a rule of its own. */
export function compileFilters(exprs: string[]) {
  const dir = mkdtempSync(join(tmpdir(), 'tmesc-oracle-'));
  const path = join(dir, 'p.tmes');
  const rules = exprs.map((e, i) => `rule r${i} match ${e} to g\n`).join('');
  writeFileSync(
    path,
    `policy "oracle"\ntap t { source pcap "in.pcap" }\ngroup g { tool o { output pcap "out.pcap" } }\n${rules}`,
  );
  const r = checkPolicyFile(path);
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) throw new Error(`${exprs.join(' | ')}: ${errors.map((d) => d.message).join('; ')}`);
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
  // pppoe-over-qinq: a service tag and a customer tag, then the PPPoE session
  'vlan and vlan and pppoes and ',
];

const run = promisify(execFile);

/**
 * The packets tcpdump keeps, under each of the variants (prefixes) at once:
 * each tcpdump is a process of its own, so a second core is used where there
 * is one. Undefined when tcpdump cannot read the file or compile the filter
 * under any variant.
 */
export async function tcpdumpKeys(
  input: string,
  expr: string,
  variants: string[],
  work: string,
): Promise<{ keys: string[] | undefined; error?: string }> {
  const outcomes = await Promise.all(
    variants.map(async (prefix, i) => {
      const out = join(work, `tcpdump-${i}.pcap`);
      try {
        await run('tcpdump', ['-r', input, '-w', out, `${prefix}(${expr})`], { encoding: 'utf8' });
        return { keys: packetKeys(out) };
      } catch (e) {
        const stderr = String((e as { stderr?: string }).stderr ?? e);
        return { error: stderr.trim().split('\n').pop() };
      }
    }),
  );
  const seen = new Map<string, number>();
  let anyOk = false;
  let error: string | undefined;
  for (const o of outcomes) {
    if (!o.keys) {
      error ??= o.error;
      continue;
    }
    anyOk = true;
    // the same packet kept by two variants counts once: a packet carries one encapsulation
    const counts = new Map<string, number>();
    for (const k of o.keys) counts.set(k, (counts.get(k) ?? 0) + 1);
    for (const [k, n] of counts) seen.set(k, Math.max(seen.get(k) ?? 0, n));
  }
  if (!anyOk) return { keys: undefined, error };
  return { keys: [...seen].flatMap(([k, n]) => Array(n).fill(k) as string[]) };
}
