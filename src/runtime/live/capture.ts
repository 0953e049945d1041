import { readFileSync } from 'node:fs';
import { sessionHash } from '../balance/session-hash.js';
import { decodeFrame } from '../decode/decode.js';
import { PacketView } from '../decode/view.js';
import { type CapHandle, linkTypeOf, loadCap } from './cap-binding.js';
import type { CaptureCounters, CaptureData } from './protocol.js';
import { Ring, type RingRecord } from './ring.js';

/**
 * Live capture: every libpcap handle of a run, on the main thread. `cap` is
 * not context-aware: its addon loads in one thread of a process only, and it
 * registers its handles on libuv's default loop, which is the main
 * thread's (loaded in a worker thread, its packet callbacks fire on the
 * main thread into the worker's isolate and crash the process). So the main
 * thread is the capture thread: it opens every live handle (each tap's
 * interface with its kernel filter, both ports of inline taps, the tools'
 * interfaces), stamps each frame as it arrives, and hands it to the worker
 * that owns its session (the symmetric session hash: both directions of a
 * session reach the same worker, so per-session state needs no locks).
 * Inline taps are bridged here, frame by frame, before the copy goes to the
 * workers. Frames the workers send to interface tools come back through
 * rings and leave through cap's send.
 */
/** The snap length cap opens every handle with (pcap_set_snaplen 65535). */
export const SNAPLEN = 65535;

interface Port {
  name: string;
  handle: CapHandle;
  buffer: Buffer;
  linkType: number;
  /** The interface's drop counters when it was opened (rx_missed_errors + rx_fifo_errors). */
  ifDropsAtOpen: number;
}

/** What libpcap counts as interface drops on Linux (ps_ifdrop): missed and FIFO errors of the interface. */
function ifDrops(iface: string): number {
  const stat = (name: string) => {
    try {
      return Number(readFileSync(`/sys/class/net/${iface}/statistics/${name}`, 'utf8'));
    } catch {
      return 0;
    }
  };
  return stat('rx_missed_errors') + stat('rx_fifo_errors');
}

function linkUp(iface: string): boolean {
  try {
    const s = readFileSync(`/sys/class/net/${iface}/operstate`, 'utf8').trim();
    return s === 'up' || s === 'unknown';
  } catch {
    return false;
  }
}

export class LiveCapture {
  readonly counters: CaptureCounters;
  /** rx[worker][live tap] */
  private readonly rx: Ring[][];
  private readonly tx: Ring[];
  private readonly txBuffers: Buffer[];
  private readonly toolUp: Int32Array;
  private readonly view = new PacketView();
  private readonly ports: Port[][] = [];
  private readonly toolPorts: Port[] = [];
  private readonly sendBuffer = Buffer.alloc(SNAPLEN + 4);
  private readonly rec: RingRecord = { offset: 0, capLen: 0, meta: 0, tsSec: 0, tsNsec: 0, wireLen: 0, aux: 0 };
  private readonly now = { sec: 0, nsec: 0 };
  private closed = false;
  private linkTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly data: CaptureData,
    /** A tool's link went down or came up. */
    private readonly onLink: (tool: string, iface: string, up: boolean) => void,
  ) {
    this.rx = data.rx.map((row, w) => row.map((b) => new Ring(b, data.rxBells[w])));
    this.tx = data.tx.map((b) => new Ring(b));
    this.txBuffers = this.tx.map((r) => Buffer.from(r.bytes.buffer, r.bytes.byteOffset, r.bytes.byteLength));
    this.toolUp = new Int32Array(data.toolUp);
    this.counters = {
      taps: data.taps.map((t) => ({
        name: t.name,
        ports: t.ports,
        captured: 0,
        bytes: 0,
        ringFull: 0,
        bridged: 0,
        bridgeErrors: 0,
        ifDrops: 0,
        kernelDrops: null,
      })),
      tools: data.tools.map((t) => ({ name: t.name, iface: t.iface, sent: 0, sendErrors: 0, downs: 0, up: true })),
    };
  }

  /** Opens every handle; returns each tap's link type. Closes what it opened when one fails. */
  start(): number[] {
    const cap = loadCap();
    const open = (name: string, filter: string): Port => {
      const handle = new cap.Cap();
      const buffer = Buffer.alloc(SNAPLEN);
      let kind: string;
      try {
        kind = handle.open(name, filter, this.data.bufferBytes, buffer);
      } catch (e) {
        throw new Error(`cannot capture on interface ${name}: ${(e as Error).message}`, { cause: e });
      }
      const linkType = linkTypeOf(kind);
      if (linkType === undefined) {
        handle.close();
        throw new Error(`interface ${name}: link type ${kind} is not one tmesc knows`);
      }
      return { name, handle, buffer, linkType, ifDropsAtOpen: ifDrops(name) };
    };
    try {
      for (const t of this.data.tools) {
        // opened to send: the filter takes nothing in
        this.toolPorts.push(open(t.iface, 'less 1'));
        const up = linkUp(t.iface);
        this.counters.tools[t.id].up = up;
        Atomics.store(this.toolUp, t.id, up ? 1 : 0);
      }
      const linkTypes: number[] = [];
      this.data.taps.forEach((t, slot) => {
        const row: Port[] = [];
        this.ports.push(row);
        for (const p of t.ports) row.push(open(p, t.filter));
        linkTypes.push(row[0].linkType);
        if (row.length === 2) {
          const [a, b] = row;
          a.handle.on('packet', (n) => this.onFrame(slot, t.tap, a, b, n));
          b.handle.on('packet', (n) => this.onFrame(slot, t.tap, b, a, n));
        } else row[0].handle.on('packet', (n) => this.onFrame(slot, t.tap, row[0], undefined, n));
      });
      if (this.data.tools.length) this.linkTimer = setInterval(() => this.pollLinks(), this.data.linkPollMs);
      return linkTypes;
    } catch (e) {
      this.closeAll();
      throw e;
    }
  }

  /** Now, as pcap stamps: seconds and nanoseconds of the wall clock, at the precision performance.now() has. */
  private stamp(): void {
    const ms = performance.timeOrigin + performance.now();
    const sec = Math.floor(ms / 1000);
    this.now.sec = sec;
    this.now.nsec = Math.min(999_999_999, Math.round((ms - sec * 1000) * 1e6));
  }

  private onFrame(slot: number, tap: number, from: Port, peer: Port | undefined, n: number): void {
    if (this.closed) return;
    const c = this.counters.taps[slot];
    const buf = from.buffer;
    if (peer) {
      // the bridge first: the wire does not wait for the copy
      try {
        peer.handle.send(buf, n);
        c.bridged++;
      } catch {
        c.bridgeErrors++;
      }
    }
    this.stamp();
    c.captured++;
    c.bytes += n;
    let w = 0;
    const workers = this.rx.length;
    if (workers > 1) {
      this.view.tap = tap;
      decodeFrame(this.view, buf, n, n, from.linkType);
      w = (sessionHash(this.view, false) >>> 0) % workers;
    }
    if (!this.rx[w][slot].push(buf, 0, n, tap, this.now.sec, this.now.nsec, n, from.linkType)) c.ringFull++;
  }

  /** Frames the workers handed back for interface tools: out through cap, at most `quota` a ring. Whether more wait. */
  drainTx(quota: number): boolean {
    let more = false;
    const rec = this.rec;
    for (let w = 0; w < this.tx.length; w++) {
      const ring = this.tx[w];
      let k = 0;
      for (; k < quota && ring.peek(rec); k++) {
        const c = this.counters.tools[rec.meta];
        const len = Math.min(rec.capLen, this.sendBuffer.length);
        this.txBuffers[w].copy(this.sendBuffer, 0, rec.offset, rec.offset + len);
        ring.release(rec);
        try {
          this.toolPorts[rec.meta].handle.send(this.sendBuffer, len);
          c.sent++;
        } catch {
          c.sendErrors++;
        }
      }
      if (k === quota) more = true;
    }
    return more;
  }

  /** Resolves when a tx ring may hold frames, or after `ms`. */
  txReady(ms: number): Promise<unknown> {
    return Promise.race(this.tx.map((r) => r.waitAsync(ms)));
  }

  private pollLinks(): void {
    for (const t of this.data.tools) {
      const up = linkUp(t.iface);
      const c = this.counters.tools[t.id];
      if (up === c.up) continue;
      c.up = up;
      if (!up) c.downs++;
      Atomics.store(this.toolUp, t.id, up ? 1 : 0);
      this.onLink(t.name, t.iface, up);
    }
  }

  /** The counters, with the interfaces' drops read now. */
  snapshot(): CaptureCounters {
    this.data.taps.forEach((_, i) => {
      this.counters.taps[i].ifDrops = (this.ports[i] ?? []).reduce(
        (s, p) => s + Math.max(0, ifDrops(p.name) - p.ifDropsAtOpen),
        0,
      );
    });
    return this.counters;
  }

  /** Stops capturing: the taps' handles close (the tools' stay open for the last frames). */
  stopCapture(): void {
    if (this.closed) return;
    this.snapshot();
    this.closed = true;
    if (this.linkTimer) clearInterval(this.linkTimer);
    for (const row of this.ports) for (const p of row) p.handle.close();
  }

  /** Closes everything. */
  closeAll(): void {
    this.stopCapture();
    for (const p of this.toolPorts) p.handle.close();
    this.toolPorts.length = 0;
  }
}
