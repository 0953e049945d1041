import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import {
  type FromPort,
  type PortConfig,
  TAP_RECORD_HEADER,
  type TapProcessCounters,
  TOOL_RECORD_HEADER,
  type ToolProcessCounters,
  type ToPort,
} from './port-protocol.js';
import {
  type CaptureCounters,
  type CaptureData,
  LiveError,
  type LiveTap,
  type LiveTool,
  type TapCaptureCounters,
  type ToolCaptureCounters,
} from './protocol.js';
import { Ring, type RingRecord } from './ring.js';
import { spawnProcess } from './spawn.js';
import { countCode, tagCode } from './tag-code.js';

/**
 * Live capture, as the supervisor sees it: one port process per live tap and
 * per tool interface (port-protocol.ts says why), started, stopped, and
 * started again when an interface that went down comes back. Frames from
 * the taps' processes go into the workers' rings (each process has already
 * chosen the worker by session); frames the workers hand back for tool
 * interfaces go to the tools' processes. Link states are read from sysfs:
 * a tool whose link is not up is marked down for the workers at once, so
 * its sessions go to the group's other tools, and comes back when it is.
 */

/** Bytes a tap process may queue towards this thread, and this thread towards a tool process, before dropping. */
const MAX_QUEUED = 32 << 20;
const TOOL_BATCH = 1 << 20;
/** A ring slot this large means offloads are on: the buffer holds few frames, which is worth a note. */
const BIG_SLOT = 32 << 10;

function sysfs(iface: string, file: string): string | undefined {
  try {
    return readFileSync(`/sys/class/net/${iface}/${file}`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Administratively up (IFF_UP): a capture handle can live on it. A handle on an interface set down dies with it. */
function adminUp(iface: string): boolean {
  const flags = sysfs(iface, 'flags');
  return flags !== undefined && (Number(flags) & 1) === 1;
}

/** Traffic flows: up, with its carrier (operstate up, or unknown for interfaces that do not say). */
function linkUp(iface: string): boolean {
  const s = sysfs(iface, 'operstate');
  return (s === 'up' || s === 'unknown') && adminUp(iface);
}

/** What libpcap counts as interface drops on Linux (ps_ifdrop): missed and FIFO errors of the interface. */
function ifDrops(iface: string): number {
  return (
    (Number(sysfs(iface, 'statistics/rx_missed_errors')) || 0) +
    (Number(sysfs(iface, 'statistics/rx_fifo_errors')) || 0)
  );
}

/** Lines a port process writes on stderr that say nothing to a user: cap's own warnings, and its abort when a link goes down. */
const NOISE = [/no IPv4 address assigned - This may not actually work/, /Assertion `status == 0' failed/];

/** One run of a port process: started, ready (or failed), ended. */
class PortChild {
  readonly child: ChildProcess;
  readonly ready: Promise<Extract<FromPort, { type: 'ready' }>>;
  readonly exited: Promise<void>;
  alive = true;
  isReady = false;
  finalStats: FromPort | undefined;

  constructor(
    from: string,
    config: PortConfig,
    onStats: (m: Extract<FromPort, { type: 'stats' }>) => void,
    say: (line: string) => void,
  ) {
    this.child = spawnProcess(
      'port-process',
      from,
      [JSON.stringify(config)],
      ['ignore', 'ignore', 'pipe', 'pipe', 'ipc'],
    );
    let err = '';
    this.child.stderr!.setEncoding('utf8');
    this.child.stderr!.on('data', (d: string) => {
      err += d;
      for (let i; (i = err.indexOf('\n')) >= 0;) {
        const line = err.slice(0, i);
        err = err.slice(i + 1);
        if (line.trim() && !NOISE.some((n) => n.test(line))) say(line);
      }
    });
    this.exited = new Promise((resolve) =>
      this.child.on('close', () => {
        this.alive = false;
        resolve();
      }),
    );
    this.ready = new Promise((resolve, reject) => {
      this.child.on('message', (m: FromPort) => {
        if (m.type === 'ready') {
          this.isReady = true;
          resolve(m);
        } else if (m.type === 'failed') reject(new Error(m.message));
        else {
          if (m.final) this.finalStats = m;
          onStats(m);
        }
      });
      this.child.on('error', reject);
      void this.exited.then(() => reject(new Error('its process ended before it was ready')));
    });
    // an unhandled rejection would end the run: whoever waits on ready handles it
    this.ready.catch(() => undefined);
  }

  get data(): Readable & Writable {
    return this.child.stdio[3] as Readable & Writable;
  }

  tell(m: ToPort): void {
    if (this.alive && this.child.connected) this.child.send(m, (e) => e && undefined);
  }

  kill(): void {
    if (this.alive) this.child.kill('SIGKILL');
  }
}

/** Exponential back-off for starting a port process again: 100 ms, doubling to 5 s. */
class Backoff {
  private failures = 0;
  private notBefore = 0;

  due(now: number): boolean {
    return now >= this.notBefore;
  }
  failed(now: number): void {
    this.failures++;
    this.notBefore = now + Math.min(5000, 100 * 2 ** Math.min(6, this.failures - 1));
  }
  succeeded(): void {
    this.failures = 0;
    this.notBefore = 0;
  }
}

export interface Events {
  note(what: string): void;
  tool(t: LiveTool, up: boolean): void;
  tap(t: LiveTap, up: boolean, why: string): void;
  /** Something a port process said on stderr, or a problem starting one. */
  say(what: string): void;
}

/** A live tap's capture: its process now, and what earlier ones counted. */
class TapPort {
  readonly counters: TapCaptureCounters;
  private proc: PortChild | undefined;
  private base: TapProcessCounters = { captured: 0, bytes: 0, behind: 0, bridged: 0, bridgeErrors: 0, kernel: null };
  private current: TapProcessCounters | undefined;
  private kernelBase: { received: number; drops: number } | null = { received: 0, drops: 0 };
  private linkTypes: number[] = [];
  private carry: Buffer | undefined;
  private ringSaid = false;
  /** Frames the current process passed on, and their bytes: what is known of it if it dies. */
  private received = 0;
  private receivedBytes = 0;
  private readonly ifDropsAtStart: number[];
  readonly backoff = new Backoff();
  stopping = false;

  constructor(
    readonly t: LiveTap,
    private readonly rx: Ring[],
    private readonly config: Extract<PortConfig, { role: 'tap' }>,
    private readonly from: string,
    private readonly events: Events,
  ) {
    this.ifDropsAtStart = t.ports.map(ifDrops);
    this.counters = {
      name: t.name,
      ports: t.ports,
      captured: 0,
      bytes: 0,
      behind: 0,
      ringFull: 0,
      bridged: 0,
      bridgeErrors: 0,
      ifDrops: 0,
      kernelReceived: null,
      kernelDrops: null,
      unreadAtStop: null,
      kernelBufferFrames: null,
      restarts: 0,
      up: false,
    };
  }

  get running(): boolean {
    return this.proc?.alive ?? false;
  }

  canStart(): boolean {
    return this.t.ports.every(adminUp);
  }

  /** Starts its process; resolves once it captures. */
  async start(): Promise<void> {
    const p = new PortChild(
      this.from,
      this.config,
      (m) => {
        if (m.tap) this.current = m.tap;
      },
      (line) => this.events.say(`tap '${this.t.name}': ${line}`),
    );
    this.proc = p;
    this.current = undefined;
    p.data.on('data', (chunk: Buffer) => this.onData(chunk));
    p.data.on('error', () => undefined);
    void p.exited.then(() => this.ended(p));
    const ready = await p.ready;
    this.linkTypes = ready.linkTypes;
    const rings = ready.rings ?? [];
    this.counters.kernelBufferFrames = rings.every((r) => r) ? Math.min(...rings.map((r) => r!.frames)) : null;
    if (!this.ringSaid)
      rings.forEach((r, i) => {
        if (!r || r.frameSize < BIG_SLOT) return;
        this.ringSaid = true;
        const iface = this.t.ports[i];
        this.events.note(
          `tap '${this.t.name}': the kernel buffer of ${iface} holds ${r.frames} frames, one ${Math.round(r.frameSize / 1024)} KiB slot each (libpcap sizes the slots for the largest frame the interface can hand over: 64 KiB with segmentation or receive offloads on); a burst of more frames than that while tmesc is busy is dropped by the kernel. Turn the offloads off (ethtool -K ${iface} gro off gso off tso off lro off, which also keeps frames as they were on the wire) or give a larger --buffer-size`,
        );
      });
    if (ready.kernelStatsMissing) {
      this.counters.kernelNote = ready.kernelStatsMissing;
      this.kernelBase = null;
    }
    this.counters.up = true;
    this.backoff.succeeded();
  }

  /** The stream of frames: each into the ring of the worker its process chose. */
  private onData(chunk: Buffer): void {
    let buf = chunk;
    if (this.carry) {
      buf = Buffer.concat([this.carry, chunk]);
      this.carry = undefined;
    }
    const tap = this.t.tap;
    let at = 0;
    while (buf.length - at >= TAP_RECORD_HEADER) {
      const n = buf.readUInt32LE(at);
      if (buf.length - at - TAP_RECORD_HEADER < n) break;
      const ring = this.rx[buf.readUInt16LE(at + 12)];
      const linkType = this.linkTypes[buf[at + 14]];
      if (
        !ring.push(buf, at + TAP_RECORD_HEADER, n, tap, buf.readUInt32LE(at + 4), buf.readUInt32LE(at + 8), n, linkType)
      )
        this.counters.ringFull++;
      this.received++;
      this.receivedBytes += n;
      at += TAP_RECORD_HEADER + n;
    }
    if (at < buf.length) this.carry = Buffer.from(buf.subarray(at));
  }

  private ended(p: PortChild): void {
    // what this run of the process counted is kept; a partial record left is a frame cut by its end
    this.carry = undefined;
    const final = p.finalStats?.type === 'stats' ? p.finalStats.tap : undefined;
    const c = final ?? this.current;
    const behind = c?.behind ?? 0;
    if (final) {
      for (const k of ['captured', 'bytes', 'behind', 'bridged', 'bridgeErrors'] as const) this.base[k] += final[k];
      if (final.kernel)
        this.counters.unreadAtStop = Math.max(0, final.kernel.received - final.kernel.drops - final.captured);
    } else {
      // ended with its link: what it passed on is known here; a batch it had not written yet died with it
      this.base.captured += this.received + behind;
      this.base.bytes += this.receivedBytes;
      this.base.behind += behind;
      this.base.bridged += c?.bridged ?? 0;
      this.base.bridgeErrors += c?.bridgeErrors ?? 0;
    }
    // the kernel's counters up to the process's last reading of them
    if (c?.kernel && this.kernelBase) {
      this.kernelBase.received += c.kernel.received;
      this.kernelBase.drops += c.kernel.drops;
    }
    this.current = undefined;
    this.received = 0;
    this.receivedBytes = 0;
    this.counters.up = false;
    if (!this.stopping && p.isReady) {
      this.counters.restarts++;
      this.events.tap(this.t, false, this.t.ports.filter((i) => !adminUp(i)).join(', '));
    }
  }

  requestStats(): void {
    this.proc?.tell({ type: 'stats' });
  }

  /** Stops capturing; resolves once every frame its process captured is in the rings. */
  async stop(): Promise<void> {
    this.stopping = true;
    const p = this.proc;
    if (!p?.alive) return;
    // a process still starting hears nothing before it is ready
    await p.ready.catch(() => undefined);
    p.tell({ type: 'stop' });
    await p.exited;
  }

  kill(): void {
    this.stopping = true;
    this.proc?.kill();
  }

  snapshot(): TapCaptureCounters {
    const c = this.counters;
    const cur = this.current;
    for (const k of ['captured', 'bytes', 'behind', 'bridged', 'bridgeErrors'] as const)
      c[k] = this.base[k] + (cur?.[k] ?? 0);
    // its last report may be older than the frames that came since
    if (this.proc?.alive) {
      c.captured = Math.max(c.captured, this.base.captured + this.received + (cur?.behind ?? 0));
      c.bytes = Math.max(c.bytes, this.base.bytes + this.receivedBytes);
    }
    if (this.kernelBase) {
      c.kernelReceived = this.kernelBase.received + (cur?.kernel?.received ?? 0);
      c.kernelDrops = this.kernelBase.drops + (cur?.kernel?.drops ?? 0);
    } else {
      c.kernelReceived = null;
      c.kernelDrops = null;
    }
    c.ifDrops = this.t.ports.reduce((s, p, i) => s + Math.max(0, ifDrops(p) - this.ifDropsAtStart[i]), 0);
    return c;
  }
}

/** An interface tool's output: its process now, the frames on their way to it, what earlier ones counted. */
export class ToolPort {
  readonly counters: ToolCaptureCounters;
  private proc: PortChild | undefined;
  private current: ToolProcessCounters | undefined;
  private base = { sent: 0, sendErrors: 0, sendErrorBytes: 0 };
  /** Frames handed to the current process, and their bytes. */
  private handed = 0;
  private handedBytes = 0;
  /**
   * With `countCodes`: per code, the frames not sent that ended processes and this thread counted, and the
   * frames handed to the current process (what it does not confirm when it ends is lost with it).
   */
  private readonly notSent = new Map<number, number>();
  private handedByCode = new Map<number, number>();
  private batch = Buffer.allocUnsafe(TOOL_BATCH);
  private used = 0;
  readonly backoff = new Backoff();
  stopping = false;

  constructor(
    readonly t: LiveTool,
    private readonly from: string,
    private readonly bufferBytes: number,
    private readonly toolUp: Int32Array,
    private readonly events: Events,
  ) {
    this.counters = {
      name: t.name,
      iface: t.iface,
      sent: 0,
      sendErrors: 0,
      sendErrorBytes: 0,
      lostDown: 0,
      lostDownBytes: 0,
      behind: 0,
      behindBytes: 0,
      downs: 0,
      up: false,
    };
    Atomics.store(toolUp, t.id, 0);
  }

  get running(): boolean {
    return this.proc?.alive ?? false;
  }

  async start(): Promise<void> {
    const p = new PortChild(
      this.from,
      { role: 'tool', port: this.t.iface, bufferBytes: this.bufferBytes, countCodes: this.t.countCodes },
      (m) => {
        if (m.tool) this.current = m.tool;
      },
      (line) => this.events.say(`tool '${this.t.name}': ${line}`),
    );
    this.proc = p;
    this.current = undefined;
    this.handed = 0;
    this.handedBytes = 0;
    this.handedByCode = new Map();
    p.data.on('error', () => undefined);
    void p.exited.then(() => this.ended(p));
    await p.ready;
    this.backoff.succeeded();
  }

  /** Whether frames can go out now: its process ready and its link up. */
  get up(): boolean {
    return this.counters.up;
  }

  /** The link state, read now; says when it changed. */
  checkLink(): void {
    const up = (this.proc?.isReady ?? false) && (this.proc?.alive ?? false) && linkUp(this.t.iface);
    if (up === this.counters.up) return;
    this.setUp(up);
  }

  private setUp(up: boolean): void {
    const wasDown = this.saidDown;
    this.counters.up = up;
    Atomics.store(this.toolUp, this.t.id, up ? 1 : 0);
    if (!up) {
      if (this.everUp) this.counters.downs++;
      this.saidDown = true;
      this.events.tool(this.t, false);
    } else {
      this.everUp = true;
      this.saidDown = false;
      // coming up the first time is no news
      if (wasDown) this.events.tool(this.t, true);
    }
  }

  private everUp = false;
  /** A down was said (at start, or since): its coming up is said too. */
  saidDown = false;

  /** A frame from a worker. */
  write(src: Buffer, from: number, len: number): void {
    const p = this.proc;
    if (!this.counters.up || !p?.alive) {
      this.counters.lostDown++;
      this.counters.lostDownBytes += len;
      if (this.t.countCodes) countCode(this.notSent, tagCode(src, from, len));
      return;
    }
    if (p.data.writableLength > MAX_QUEUED) {
      this.counters.behind++;
      this.counters.behindBytes += len;
      if (this.t.countCodes) countCode(this.notSent, tagCode(src, from, len));
      return;
    }
    if (this.t.countCodes) countCode(this.handedByCode, tagCode(src, from, len));
    if (this.used + TOOL_RECORD_HEADER + len > this.batch.length) this.flush();
    this.batch.writeUInt32LE(len, this.used);
    src.copy(this.batch, this.used + TOOL_RECORD_HEADER, from, from + len);
    this.used += TOOL_RECORD_HEADER + len;
    this.handed++;
    this.handedBytes += len;
  }

  flush(): void {
    if (this.used === 0) return;
    const p = this.proc;
    if (p?.alive) p.data.write(this.batch.subarray(0, this.used));
    this.batch = Buffer.allocUnsafe(TOOL_BATCH);
    this.used = 0;
  }

  private ended(p: PortChild): void {
    const c = (p.finalStats?.type === 'stats' && p.finalStats.tool) || this.current;
    const done = c ? c.sent + c.sendErrors : 0;
    this.base.sent += c?.sent ?? 0;
    this.base.sendErrors += c?.sendErrors ?? 0;
    this.base.sendErrorBytes += c?.sendErrorBytes ?? 0;
    // handed over and not confirmed: lost with the link (some may have gone out just before); their
    // bytes are those handed over less those the process said it sent or failed, at the average size
    const lost = Math.max(0, this.handed - done);
    this.counters.lostDown += lost;
    this.counters.lostDownBytes += this.handed ? Math.round((this.handedBytes * lost) / this.handed) : 0;
    if (this.t.countCodes) {
      // per code: its send errors, and what was handed over and neither sent nor failed
      const sent = new Map(c?.sentByCode ?? []);
      for (const [code, n] of c?.sendErrorsByCode ?? []) {
        countCode(this.notSent, code, n);
        sent.set(code, (sent.get(code) ?? 0) + n);
      }
      for (const [code, n] of this.handedByCode) countCode(this.notSent, code, Math.max(0, n - (sent.get(code) ?? 0)));
    }
    this.handed = 0;
    this.handedBytes = 0;
    this.handedByCode = new Map();
    this.current = undefined;
    // at the end of the run its process ends with the link as it was
    if (this.counters.up && !this.stopping) this.setUp(false);
  }

  requestStats(): void {
    this.proc?.tell({ type: 'stats' });
  }

  /** Once nothing more comes: what is queued goes out, the process reports and ends. */
  async finish(): Promise<void> {
    this.stopping = true;
    this.flush();
    const p = this.proc;
    if (!p?.alive) return;
    p.data.end();
    await p.exited;
  }

  kill(): void {
    this.stopping = true;
    this.proc?.kill();
  }

  snapshot(): ToolCaptureCounters {
    const c = this.counters;
    c.sent = this.base.sent + (this.current?.sent ?? 0);
    c.sendErrors = this.base.sendErrors + (this.current?.sendErrors ?? 0);
    c.sendErrorBytes = this.base.sendErrorBytes + (this.current?.sendErrorBytes ?? 0);
    if (this.t.countCodes) {
      const m = new Map(this.notSent);
      for (const [code, n] of this.current?.sendErrorsByCode ?? []) countCode(m, code, n);
      c.notSentByCode = [...m].sort((x, y) => x[0] - y[0]);
    }
    return c;
  }
}

export class LiveCapture {
  private readonly taps: TapPort[];
  private readonly tools: ToolPort[];
  private readonly tx: Ring[];
  private readonly txBuffers: Buffer[];
  private readonly rec: RingRecord = { offset: 0, capLen: 0, meta: 0, tsSec: 0, tsNsec: 0, wireLen: 0, aux: 0 };
  private linkTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  private readonly starting = new Set<object>();

  constructor(
    data: CaptureData,
    /** The module the port processes' script sits beside (import.meta.url of run-live). */
    from: string,
    private readonly events: Events,
  ) {
    const workers = data.rx.length;
    this.taps = data.taps.map(
      (t, slot) =>
        new TapPort(
          t,
          data.rx.map((row, w) => new Ring(row[slot], data.rxBells[w])),
          {
            role: 'tap',
            ports: t.ports,
            filter: t.filter,
            bufferBytes: data.bufferBytes,
            workers,
            tap: t.tap,
            maxQueued: MAX_QUEUED,
          },
          from,
          events,
        ),
    );
    const toolUp = new Int32Array(data.toolUp);
    // a tool's handle only sends: its receive buffer (the filter takes nothing) needs no room
    this.tools = data.tools.map((t) => new ToolPort(t, from, 1 << 20, toolUp, events));
    this.tx = data.tx.map((b) => new Ring(b));
    this.txBuffers = this.tx.map((r) => Buffer.from(r.bytes.buffer, r.bytes.byteOffset, r.bytes.byteLength));
    this.linkPollMs = data.linkPollMs;
  }

  private readonly linkPollMs: number;

  /**
   * Starts every port process: tools first (those whose interface is down are
   * marked down, and start when it comes up), then taps, every one of which
   * must start. Throws what a port could not do.
   */
  async start(): Promise<void> {
    try {
      await Promise.all(
        this.tools.map(async (t) => {
          if (!adminUp(t.t.iface)) {
            if (sysfs(t.t.iface, 'flags') === undefined)
              throw new Error(`tool '${t.t.name}': there is no interface ${t.t.iface}`);
            t.saidDown = true;
            this.events.tool(t.t, false);
            return;
          }
          await t.start().catch((e: Error) => {
            throw new Error(`tool '${t.t.name}': ${e.message}`);
          });
          t.checkLink();
          if (!t.up) {
            t.saidDown = true;
            this.events.tool(t.t, false);
          }
        }),
      );
      await Promise.all(
        this.taps.map((tap) => {
          if (!tap.canStart()) {
            const down = tap.t.ports.filter((p) => !adminUp(p));
            const gone = down.some((p) => sysfs(p, 'flags') === undefined);
            throw new Error(`tap '${tap.t.name}': interface ${down.join(', ')} is ${gone ? 'not there' : 'down'}`);
          }
          return tap.start().catch((e: Error) => {
            throw new Error(`tap '${tap.t.name}': ${e.message}`);
          });
        }),
      );
    } catch (e) {
      this.kill();
      throw new LiveError((e as Error).message, { cause: e });
    }
    this.linkTimer = setInterval(() => this.watch(), this.linkPollMs);
  }

  /** Link states, and port processes to start again where their interfaces came back. */
  private watch(): void {
    if (this.stopping) return;
    const now = performance.now();
    for (const t of this.tools) {
      t.checkLink();
      if (!t.running && !this.starting.has(t) && adminUp(t.t.iface) && t.backoff.due(now)) this.restart(t, now);
    }
    for (const t of this.taps)
      if (!t.running && !this.starting.has(t) && t.canStart() && t.backoff.due(now)) this.restart(t, now);
  }

  private restart(p: TapPort | ToolPort, now: number): void {
    this.starting.add(p);
    p.start().then(
      () => {
        this.starting.delete(p);
        if (p instanceof ToolPort) p.checkLink();
        else if (this.stopping) void p.stop();
        else this.events.tap(p.t, true, '');
      },
      (e: Error) => {
        this.starting.delete(p);
        p.backoff.failed(now);
        // an interface that went down again meanwhile says nothing; anything else is worth a line
        if (!/ended before it was ready/.test(e.message)) this.events.say(e.message);
      },
    );
  }

  /** Frames the workers handed back for interface tools: to their processes, at most `quota` a ring. Whether more wait. */
  drainTx(quota: number): boolean {
    let more = false;
    const rec = this.rec;
    for (let w = 0; w < this.tx.length; w++) {
      const ring = this.tx[w];
      const buf = this.txBuffers[w];
      let k = 0;
      for (; k < quota && ring.peek(rec); k++) {
        this.tools[rec.meta].write(buf, rec.offset, rec.capLen);
        ring.release(rec);
      }
      if (k === quota) more = true;
    }
    for (const t of this.tools) t.flush();
    return more;
  }

  /** The workers' rings of frames for interface tools. */
  get txRings(): readonly Ring[] {
    return this.tx;
  }

  /** Asks every port process for its counters (they come in shortly, for the next snapshot). */
  requestStats(): void {
    for (const t of this.taps) t.requestStats();
    for (const t of this.tools) t.requestStats();
  }

  /** Stops capturing; resolves once every frame captured is in the workers' rings. */
  async stopCapture(): Promise<void> {
    this.stopping = true;
    if (this.linkTimer) clearInterval(this.linkTimer);
    await Promise.all(this.taps.map((t) => t.stop()));
  }

  /** After the workers are done and the tx rings drained: the tools' processes send what they hold and end. */
  async finishTools(): Promise<void> {
    await Promise.all(this.tools.map((t) => t.finish()));
  }

  /** Ends every port process now (a failed run). */
  kill(): void {
    this.stopping = true;
    if (this.linkTimer) clearInterval(this.linkTimer);
    for (const t of this.taps) t.kill();
    for (const t of this.tools) t.kill();
  }

  snapshot(): CaptureCounters {
    return { taps: this.taps.map((t) => t.snapshot()), tools: this.tools.map((t) => t.snapshot()) };
  }
}
