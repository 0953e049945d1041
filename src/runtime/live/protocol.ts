import type { Artifact } from '../../artifact/types.js';
import type { HostLinkCounts, HostLinkPlan } from '../host-link/host-link.js';

/**
 * What the threads of a live run share. Port processes own every libpcap
 * handle (port-protocol.ts says why); this thread supervises, hands their
 * frames to the workers, their output back to the tools' processes, and
 * writes the tools' files; one worker per core runs the packet path.
 * Packets go between threads through rings in shared memory (ring.ts):
 *
 *   tap process --> supervisor --rx[w][tap]--> worker w --tx[w]----> supervisor --> tool process
 *                                                       --files[w]--> supervisor (the tools' files)
 *
 * Flags and counters that change while threads run sit in shared Int32Arrays
 * (a worker blocked waiting for packets reads no messages).
 */

/** What a live run cannot do for reasons the user can act on (an interface missing, cap not built). */
export class LiveError extends Error {}

/** A live tap as its port process opens it. */
export interface LiveTap {
  tap: number;
  name: string;
  /** One interface, or the two ports of an inline tap (bridged to each other). */
  ports: string[];
  /** The kernel filter (pcap-filter); inline ports take every frame, since the bridge forwards them all. */
  filter: string;
}

/** A tool whose output is an interface: its port process sends its packets. */
export interface LiveTool {
  /** Index among interface tools: the tx records' meta, and the toolUp slot. */
  id: number;
  group: number;
  tool: number;
  name: string;
  iface: string;
  /** Count what is not sent per VLAN code (the host's return link: the code is the frame's group and tap). */
  countCodes?: boolean;
}

export interface CaptureData {
  taps: LiveTap[];
  tools: LiveTool[];
  /** Per worker, one ring per live tap (in `taps` order): each is a source the worker polls. */
  rx: SharedArrayBuffer[][];
  /** Per worker, the bell its rx rings share. */
  rxBells: SharedArrayBuffer[];
  /** One ring per worker, worker to supervisor: frames for interface tools. */
  tx: SharedArrayBuffer[];
  /** Int32 per interface tool: 1 when its link is up. */
  toolUp: SharedArrayBuffer;
  /** libpcap's buffer per handle, in bytes. */
  bufferBytes: number;
  /** How often link states are read, ms. */
  linkPollMs: number;
}

/** What is known of one live tap's capture. */
export interface TapCaptureCounters {
  name: string;
  ports: string[];
  /** Frames libpcap handed over (after the kernel filter). */
  captured: number;
  bytes: number;
  /** Frames the tap's process dropped because the supervisor was behind (tmesc could not keep up). */
  behind: number;
  /** Frames dropped because a worker's ring was full (tmesc could not keep up). */
  ringFull: number;
  /** Inline taps: frames forwarded to the other port, and sends that failed. */
  bridged: number;
  bridgeErrors: number;
  /** Drops the interfaces counted (rx_missed_errors + rx_fifo_errors, as libpcap's ps_ifdrop), since the run began. */
  ifDrops: number;
  /** Frames that passed the kernel filter (libpcap's ps_recv) and those the capture buffer dropped (ps_drop); null: unknown. */
  kernelReceived: number | null;
  kernelDrops: number | null;
  /** Why the kernel's counters are unknown. */
  kernelNote?: string;
  /** Frames still in the kernel's buffer when capture stopped (received less dropped less captured); null: unknown. */
  unreadAtStop: number | null;
  /** Frames the kernel's buffer holds (its ring's slots, as `ss` shows them; the least of an inline tap's two); null: unknown. */
  kernelBufferFrames: number | null;
  /** Times capture started again after an interface went down (frames that came meanwhile were not seen). */
  restarts: number;
  /** Whether capture runs now (false while an interface is down). */
  up: boolean;
}

/** What is known of one interface tool's output. */
export interface ToolCaptureCounters {
  name: string;
  iface: string;
  sent: number;
  sendErrors: number;
  sendErrorBytes: number;
  /** Frames for the tool when its link was down, or not confirmed sent when its process ended with the link. */
  lostDown: number;
  lostDownBytes: number;
  /** Frames dropped because the tool's process was behind. */
  behind: number;
  behindBytes: number;
  downs: number;
  up: boolean;
  /** With `countCodes`: per VLAN code, the frames not sent (link down, process behind, send errors, unconfirmed). */
  notSentByCode?: [number, number][];
}

/** Counters the capture keeps per tap and per interface tool. */
export interface CaptureCounters {
  taps: TapCaptureCounters[];
  tools: ToolCaptureCounters[];
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
  /**
   * The host end of a switch's host link: the one rx ring is the link, each
   * frame read through the plan (code off, the host's groups), and what goes
   * back to the switch is sent on the interface tool `returnTool` (the link).
   */
  hostLink?: { plan: HostLinkPlan; returnTool: number; returnName: string };
}

export type FromWorker =
  | { type: 'ready' }
  | { type: 'stats'; stats: unknown; stages: StageCounters[]; final: boolean; hostLink?: HostLinkCounts }
  | { type: 'failed'; message: string };

/** Per-stage counters, as DPDK's service cores keep them. */
export interface StageCounters {
  worker: number;
  stage: string;
  calls: number;
  packets: number;
  ns: number;
}
