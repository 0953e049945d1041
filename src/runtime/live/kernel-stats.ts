import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * The kernel's capture counters of a live handle: how many frames passed the
 * filter and how many the capture buffer had no room for (libpcap's ps_recv
 * and ps_drop). Linux keeps them per packet socket and hands them out only
 * through getsockopt(SOL_PACKET, PACKET_STATISTICS), which also resets them;
 * libpcap reads them in pcap_stats(), which `cap` does not expose, and Node
 * has no getsockopt. So a small Perl program (perl-base is part of every
 * Debian-like system) is given the sockets' descriptors and reads the
 * counters when asked; cap never reads them, so every reset is ours and the
 * sums are exact. Without perl the counters are reported as unknown.
 */

const SOL_PACKET = 263;
const PACKET_STATISTICS = 6;

/** Reads the counters of the descriptors 3.. it was given, one line of "packets,drops ..." per line read. */
const PERL = `$| = 1; my @s; for my $fd (3 .. 2 + $ARGV[0]) { open(my $h, '+<&=', $fd) or die "fd $fd: $!"; push @s, $h }
while (<STDIN>) { print join(' ', map { my $v = getsockopt($_, ${SOL_PACKET}, ${PACKET_STATISTICS}); defined $v ? join(',', (unpack('L3', $v))[0, 1]) : 'x' } @s), "\\n" }`;

function onPath(name: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return dir !== '';
    } catch {
      return false;
    }
  });
}

/** This process's open sockets (descriptor numbers by inode). */
function socketFds(): Map<string, number> {
  const fds = new Map<string, number>();
  for (const name of readdirSync('/proc/self/fd')) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${name}`));
      if (m) fds.set(m[1], Number(name));
    } catch {
      // closed meanwhile (the directory's own descriptor)
    }
  }
  return fds;
}

/** Inodes of this network namespace's packet sockets. */
function packetInodes(): Set<string> {
  const inodes = new Set<string>();
  try {
    const lines = readFileSync('/proc/net/packet', 'utf8').trim().split('\n').slice(1);
    for (const l of lines) {
      const f = l.trim().split(/\s+/);
      inodes.add(f[f.length - 1]);
    }
  } catch {
    // no /proc: nothing found
  }
  return inodes;
}

/**
 * The packet socket a call opens: the descriptors before and after it are
 * compared (libpcap opens its socket inside cap's open() and keeps no other).
 */
export function newPacketSocket<T>(open: () => T): { result: T; fd: number | undefined; inode: string | undefined } {
  const before = socketFds();
  const result = open();
  const packet = packetInodes();
  const fresh = [...socketFds()].filter(([inode]) => !before.has(inode) && packet.has(inode));
  return fresh.length === 1
    ? { result, fd: fresh[0][1], inode: fresh[0][0] }
    : { result, fd: undefined, inode: undefined };
}

/** A capture's receive ring, as `ss` shows packet sockets: how many frames it holds, and the slot each takes. */
export interface KernelRing {
  frames: number;
  frameSize: number;
}

/**
 * The receive rings of these packet sockets (by inode), from `ss -0 -e`
 * (iproute2). libpcap sizes a ring's slots for the largest frame the
 * interface can hand over (cap opens handles in immediate mode, where libpcap
 * uses fixed slots): 64 KiB and more with segmentation or receive offloads
 * on, so a buffer of many megabytes may hold only hundreds of frames.
 */
export function kernelRings(inodes: (string | undefined)[]): (KernelRing | undefined)[] {
  const found = new Map<string, KernelRing>();
  try {
    const r = spawnSync('ss', ['-0', '-e', '-H'], { encoding: 'utf8' });
    let inode: string | undefined;
    for (const line of (r.stdout ?? '').split('\n')) {
      const ino = /\bino:(\d+)/.exec(line);
      if (ino) inode = ino[1];
      const ring = /ring_rx\(blk_size:\d+,blk_nr:\d+,frm_size:(\d+),frm_nr:(\d+)/.exec(line);
      if (ring && inode) found.set(inode, { frameSize: Number(ring[1]), frames: Number(ring[2]) });
    }
  } catch {
    // no ss: unknown
  }
  return inodes.map((i) => (i === undefined ? undefined : found.get(i)));
}

export class KernelStats {
  private readonly totals: { received: number; drops: number }[];
  private pending: ((line: string) => void)[] = [];
  private buffered = '';
  private dead = false;

  private constructor(
    private readonly child: ChildProcess,
    count: number,
  ) {
    this.totals = Array.from({ length: count }, () => ({ received: 0, drops: 0 }));
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (d: string) => {
      this.buffered += d;
      for (let i; (i = this.buffered.indexOf('\n')) >= 0;) {
        const line = this.buffered.slice(0, i);
        this.buffered = this.buffered.slice(i + 1);
        this.pending.shift()?.(line);
      }
    });
    const gone = () => {
      this.dead = true;
      for (const p of this.pending.splice(0)) p('');
    };
    child.on('error', gone);
    child.on('close', gone);
    child.stdin!.on('error', gone);
  }

  /** Starts the reader over these sockets; a reason instead when the counters cannot be read. */
  static start(fds: (number | undefined)[]): KernelStats | string {
    if (fds.some((fd) => fd === undefined)) return "the capture's socket could not be found in /proc/self/fd";
    if (!onPath('perl')) return 'they are read through perl, which is not installed';
    try {
      const child = spawn('perl', ['-e', PERL, String(fds.length)], {
        stdio: ['pipe', 'pipe', 'ignore', ...(fds as number[])],
      });
      return new KernelStats(child, fds.length);
    } catch (e) {
      return `perl could not be started to read them (${(e as Error).message})`;
    }
  }

  /** Reads the counters now and adds them to the totals; null once the reader is gone (no perl, say). */
  async read(): Promise<{ received: number; drops: number } | null> {
    if (this.dead) return null;
    const line = await new Promise<string>((resolve) => {
      this.pending.push(resolve);
      this.child.stdin!.write('\n');
    });
    const parts = line.split(' ');
    if (parts.length !== this.totals.length || parts.some((p) => !/^\d+,\d+$/.test(p))) {
      this.dead = true;
      return null;
    }
    parts.forEach((p, i) => {
      const [received, drops] = p.split(',').map(Number);
      this.totals[i].received += received;
      this.totals[i].drops += drops;
    });
    return this.sum();
  }

  sum(): { received: number; drops: number } {
    return this.totals.reduce((a, t) => ({ received: a.received + t.received, drops: a.drops + t.drops }), {
      received: 0,
      drops: 0,
    });
  }

  /** The reader lets go of the sockets (they close once cap has closed them too). */
  close(): void {
    this.child.stdin!.end();
  }
}
