import type { Artifact } from '../../artifact/types.js';

/**
 * What the threads of a live run share. The main thread owns every libpcap
 * handle (capture.ts says why it must be that thread), writes the tools'
 * files and supervises; one worker per core runs the packet path. Packets go
 * through rings in shared memory (ring.ts):
 *
 *   main (capture) --rx[w]--> worker w --tx[w]----> main (sent to tools on interfaces)
 *                                      --files[w]--> main (written to the tools' files)
 *
 * Flags and counters that change while threads run sit in shared Int32Arrays
 * (a worker blocked waiting for packets reads no messages).
 */

/** A live tap as the capture opens it. */
export interface LiveTap {
  tap: number;
  name: string;
  /** One interface, or the two ports of an inline tap (bridged to each other). */
  ports: string[];
  /** The kernel filter (pcap-filter); inline ports take every frame, since the bridge forwards them all. */
  filter: string;
}

/** A tool whose output is an interface: the capture sends its packets. */
export interface LiveTool {
  /** Index among interface tools: the tx records' meta, and the toolUp slot. */
  id: number;
  group: number;
  tool: number;
  name: string;
  iface: string;
}

export interface CaptureData {
  taps: LiveTap[];
  tools: LiveTool[];
  /** Per worker, one ring per live tap (in `taps` order), capture to worker: each is a source the worker polls. */
  rx: SharedArrayBuffer[][];
  /** Per worker, the bell its rx rings share. */
  rxBells: SharedArrayBuffer[];
  /** One ring per worker, worker to capture: frames for interface tools. */
  tx: SharedArrayBuffer[];
  /** Int32 per interface tool: 1 when its link is up. */
  toolUp: SharedArrayBuffer;
  /** libpcap's buffer per handle, in bytes. */
  bufferBytes: number;
  /** How often link states are read, ms. */
  linkPollMs: number;
}

/** Counters the capture keeps per tap and per interface tool. */
export interface CaptureCounters {
  taps: {
    name: string;
    ports: string[];
    /** Frames libpcap handed over (after the kernel filter). */
    captured: number;
    bytes: number;
    /** Frames lost because a worker's ring was full (tmesc could not keep up). */
    ringFull: number;
    /** Inline taps: frames forwarded to the other port, and sends that failed. */
    bridged: number;
    bridgeErrors: number;
    /** Drops the interfaces counted (rx_missed_errors + rx_fifo_errors, as libpcap's ps_ifdrop), since the run began. */
    ifDrops: number;
    /** Kernel (capture buffer) drops: libpcap's ps_drop, which cap 0.2.1 does not expose: null. */
    kernelDrops: number | null;
  }[];
  tools: { name: string; iface: string; sent: number; sendErrors: number; downs: number; up: boolean }[];
}

/** Words of a worker's control block. */
export const CTL = {
  /** Set by the supervisor: finish what the rings hold, report, end. */
  stop: 0,
  /** Set once the capture handles are closed: nothing more comes into rx. */
  inputDone: 1,
} as const;
export const CTL_WORDS = 4;

export interface WorkerData {
  artifact: Artifact;
  index: number;
  /** One ring per live tap, and the bell they share. */
  rx: SharedArrayBuffer[];
  rxBell: SharedArrayBuffer;
  /** Names of the live taps, for the stage counters. */
  rxNames: string[];
  tx: SharedArrayBuffer;
  files: SharedArrayBuffer;
  control: SharedArrayBuffer;
  toolUp: SharedArrayBuffer;
  /** Per group and tool: the interface tool id, or -1 for a file tool. */
  toolIds: number[][];
  quota: number;
  /** ns a call into a source may take before it returns (NAPI's time budget). */
  quotaNs: number;
  poll: 'software' | 'busy';
  statsIntervalMs: number;
  /** The core to pin the thread to (taskset), when a core list was given. */
  core: number | undefined;
}

export type FromWorker =
  | { type: 'ready' }
  | { type: 'stats'; stats: unknown; stages: StageCounters[]; final: boolean }
  | { type: 'failed'; message: string };

/** Per-stage counters, as DPDK's service cores keep them. */
export interface StageCounters {
  worker: number;
  stage: string;
  calls: number;
  packets: number;
  ns: number;
}
