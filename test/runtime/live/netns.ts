import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openCapture } from '../../../src/runtime/capture/index.js';
import { capAvailable } from '../../../src/runtime/live/cap-binding.js';
import { requirements } from '../../support/tools.js';

/**
 * Real interfaces for live tests: veth pairs whose far ends sit in network
 * namespaces of the test's own (names start with `live`, so they never clash
 * with another suite's), tcpreplay and tcpdump run inside those namespaces,
 * tmesc on the near ends. Nothing waits a fixed time: every wait is for a
 * condition (a line on standard error, a packet count, a process exit),
 * bounded only by the test's own timeout.
 */

export function liveRequirements(): { skip: boolean; note: string } {
  const r = requirements({ tools: ['ip', 'ss', 'tcpreplay', 'tcpdump', 'taskset', 'perl'], root: true });
  if (!r.skip && !capAvailable())
    return { skip: true, note: ' [skipped: the optional cap package is not built (needs libpcap-dev)]' };
  return r;
}

export const BIN = join(import.meta.dirname, '..', '..', '..', 'bin', 'tmesc.js');

export class Lab {
  readonly id = randomBytes(2).toString('hex');
  private readonly namespaces: string[] = [];
  private readonly links: string[] = [];
  private readonly children: ChildProcess[] = [];

  ns(role: string): string {
    const name = `live-${this.id}-${role}`;
    execFileSync('ip', ['netns', 'add', name]);
    this.namespaces.push(name);
    this.inNs(name, ['ip', 'link', 'set', 'lo', 'up']);
    return name;
  }

  inNs(ns: string, cmd: string[]): string {
    return execFileSync('ip', ['netns', 'exec', ns, ...cmd], { encoding: 'utf8' });
  }

  /**
   * A veth pair: `near` in this namespace (tmesc's side), `far` in `ns`.
   * IPv6 off on both (no router solicitations in the way), MTU 9000 (jumbo
   * frames of the replayed captures pass), both up.
   */
  veth(role: string, ns: string): { near: string; far: string } {
    const near = `live${this.id}${role}a`;
    const far = `live${this.id}${role}b`;
    execFileSync('ip', ['link', 'add', near, 'type', 'veth', 'peer', 'name', far, 'netns', ns]);
    this.links.push(near);
    execFileSync('sysctl', ['-qw', `net.ipv6.conf.${near}.disable_ipv6=1`]);
    this.inNs(ns, ['sysctl', '-qw', `net.ipv6.conf.${far}.disable_ipv6=1`]);
    execFileSync('ip', ['link', 'set', near, 'mtu', '9000', 'up']);
    this.inNs(ns, ['ip', 'link', 'set', far, 'mtu', '9000', 'up']);
    return { near, far };
  }

  /** A process the lab ends at cleanup. */
  start(cmd: string, args: string[]): Proc {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.children.push(child);
    return new Proc(child);
  }

  /** tcpdump writing every packet that arrives (-Q in) as it comes (-U) on a far end; resolves once it listens. */
  async tcpdump(ns: string, iface: string, file: string): Promise<Proc> {
    const p = this.start('ip', ['netns', 'exec', ns, 'tcpdump', '-n', '-U', '-Q', 'in', '-i', iface, '-w', file]);
    await p.waitFor(() => /listening on/.test(p.stderr), 'tcpdump listening');
    return p;
  }

  /**
   * tcpreplay from a far end; returns when it has sent everything. Paced at
   * 5,000 packets/s unless `extra` says otherwise: a test of behaviour must
   * not depend on a loaded machine keeping up with the capture's own pace.
   */
  async replay(ns: string, iface: string, file: string, extra: string[] = ['--pps', '5000']): Promise<string> {
    // not spawnSync: the test keeps reading tmesc's output meanwhile (a full pipe would stall tmesc)
    const p = this.start('ip', ['netns', 'exec', ns, 'tcpreplay', '-q', '-i', iface, ...extra, file]);
    const code = await p.exited;
    if (code !== 0) throw new Error(`tcpreplay failed (${code}): ${p.stderr}`);
    return p.stdout;
  }

  cleanup(): void {
    for (const c of this.children) if (c.exitCode === null) c.kill('SIGKILL');
    for (const l of this.links) spawnSync('ip', ['link', 'del', l]);
    for (const n of this.namespaces) spawnSync('ip', ['netns', 'del', n]);
  }
}

export class Proc {
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;

  constructor(readonly child: ChildProcess) {
    child.stdout!.on('data', (d: Buffer) => (this.stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => child.on('close', (code) => resolve(code)));
  }

  /**
   * Polls a condition; fails with what the process said if it exits first,
   * or at once when `hopeless` says why the condition can no longer come
   * (frames lost: a count it waits for will never be reached).
   */
  async waitFor(cond: () => boolean, what: string, hopeless?: () => string | undefined): Promise<void> {
    while (!cond()) {
      if (this.child.exitCode !== null)
        throw new Error(`exited (${this.child.exitCode}) before ${what}:\n${this.stderr}\n${this.stdout}`);
      const why = hopeless?.();
      if (why) throw new Error(`no ${what}: ${why}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Why frames were lost, from the last stats line: for waits on exact counts. */
  readonly lost = (): string | undefined => {
    const s = this.lastStats();
    if (!s) return undefined;
    const parts = s.live.taps.flatMap((t) => [
      t.kernelDrops ? `${t.kernelDrops} dropped by the kernel at tap ${t.name} (the machine did not keep up)` : '',
      t.behind + t.ringFull ? `${t.behind + t.ringFull} dropped by tmesc at tap ${t.name}` : '',
    ]);
    // frames a tool never got: its link went down under them, a send failed, a queue was full
    for (const g of s.groups)
      for (const why of ['tool-down', 'send-error', 'output-full'])
        if (g.dropped[why]) parts.push(`${g.dropped[why]} dropped (${why}) in group ${g.name}`);
    for (const t of s.live.tools) if (t.sendErrors) parts.push(`${t.sendErrors} send errors at tool ${t.name}`);
    const out = parts.filter(Boolean).join('; ');
    return out || undefined;
  };

  /** The last JSON stats line tmesc printed on standard error (run --live --stats json --stats-interval). */
  lastStats(): LiveStatsLine | undefined {
    const lines = this.stderr.split('\n').filter((l) => l.startsWith('{'));
    return lines.length ? (JSON.parse(lines[lines.length - 1]) as LiveStatsLine) : undefined;
  }
}

export interface LiveStatsLine {
  packetsRead: number;
  unmatched: number;
  taps: { name: string; packets: number }[];
  groups: {
    name: string;
    in: number;
    delivered: number;
    failover: number;
    dropped: Record<string, number>;
    tools: { name: string; packets: number }[];
  }[];
  live: {
    taps: {
      name: string;
      captured: number;
      behind: number;
      ringFull: number;
      kernelReceived: number | null;
      kernelDrops: number | null;
      unreadAtStop: number | null;
      kernelBufferFrames: number | null;
      restarts: number;
      bridged: number;
      bridgeErrors: number;
    }[];
    tools: { name: string; sent: number; sendErrors: number; lostDown: number; downs: number; up: boolean }[];
    stages: { stage: string; calls: number; packets: number }[];
  };
}

/** The port processes of a tmesc run (tmesc.js's children) of a role, by pid. */
export function portProcesses(pid: number, role: 'tap' | 'tool'): number[] {
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  return children
    .filter((c) => {
      try {
        return readFileSync(`/proc/${c}/cmdline`, 'utf8').includes(`"role":"${role}"`);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** The packets of a capture as a multiset of their bytes (timestamps differ between live and offline). */
export function packetBag(path: string): Map<string, number> {
  const bag = new Map<string, number>();
  const src = openCapture(path);
  for (let r; (r = src.next());) {
    const k = Buffer.from(r.data).toString('hex');
    bag.set(k, (bag.get(k) ?? 0) + 1);
  }
  src.close();
  return bag;
}

export function bagSize(bag: Map<string, number>): number {
  let n = 0;
  for (const v of bag.values()) n += v;
  return n;
}

/** Packets in a capture, or 0 while it is not there or has no complete record yet. */
export function countPackets(path: string): number {
  try {
    return bagSize(packetBag(path));
  } catch {
    return 0;
  }
}
