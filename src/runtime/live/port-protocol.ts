/**
 * What the supervisor of a live run and its port processes say to each other.
 *
 * A port process owns the libpcap handles of one live tap (its interface, or
 * both ports of an inline tap) or of one tool interface. Why processes, and
 * one per tap or tool: `cap` loads in one thread of a process only, registers
 * its handles on that process's main loop, and aborts the whole process when
 * an interface goes down under one of its handles (libuv reports the socket's
 * ENETDOWN as a poll error, which cap asserts never happens). A link that goes
 * down must cost only that link: its process dies, the supervisor counts it,
 * and starts another once the interface is up again.
 *
 * Frames travel on a stream (the child's fd 3), batched; control messages on
 * Node's IPC channel.
 *
 *   tap process  --fd 3-->  supervisor: [capLen u32][tsSec u32][tsNsec u32][worker u16][port u8][0 u8] bytes
 *   supervisor   --fd 3-->  tool process: [length u32] bytes
 */

export const TAP_RECORD_HEADER = 16;
/** The snap length cap opens every handle with (pcap_set_snaplen 65535). */
export const SNAPLEN = 65535;
export const TOOL_RECORD_HEADER = 4;

/** What a port process is started with (argv[2], as JSON). */
export type PortConfig =
  | {
      role: 'tap';
      /** One interface, or the two ports of an inline tap (bridged to each other). */
      ports: string[];
      /** The kernel filter (pcap-filter); empty: every frame. */
      filter: string;
      /** libpcap's buffer per handle, bytes. */
      bufferBytes: number;
      /** Workers the frames are sharded to by session (the hash is taken here, off the supervisor's thread). */
      workers: number;
      /** The tap's index in the policy (for the session hash's view). */
      tap: number;
      /** Bytes the stream to the supervisor may hold before frames are dropped (counted: behind). */
      maxQueued: number;
    }
  | { role: 'tool'; port: string; bufferBytes: number; countCodes?: boolean };

/** Counters of one tap process since it started. */
export interface TapProcessCounters {
  /** Frames libpcap handed over (after the kernel filter). */
  captured: number;
  bytes: number;
  /** Frames dropped because the stream to the supervisor was full (tmesc behind). */
  behind: number;
  /** Inline taps: frames forwarded to the other port, and sends that failed. */
  bridged: number;
  bridgeErrors: number;
  /**
   * The kernel's counters (PACKET_STATISTICS) summed over the ports: frames
   * that passed the filter, and those the capture buffer had no room for.
   * null when they cannot be read (kernel-stats.ts says why).
   */
  kernel: { received: number; drops: number } | null;
}

/** Counters of one tool process since it started. */
export interface ToolProcessCounters {
  /** Frames the supervisor handed over. */
  received: number;
  sent: number;
  sendErrors: number;
  sendErrorBytes: number;
  /** With `countCodes`: per VLAN code, the frames sent and those whose send failed. */
  sentByCode?: [number, number][];
  sendErrorsByCode?: [number, number][];
}

export type ToPort = { type: 'stats' } | { type: 'stop' };

export type FromPort =
  | {
      type: 'ready';
      /** Each port's link type, in `ports` order. */
      linkTypes: number[];
      /** Why the kernel's counters cannot be read, when they cannot. */
      kernelStatsMissing?: string;
      /** Each port's receive ring, where `ss` shows it (taps). */
      rings?: ({ frames: number; frameSize: number } | undefined)[];
    }
  | { type: 'stats'; tap?: TapProcessCounters; tool?: ToolProcessCounters; final: boolean }
  | { type: 'failed'; message: string };
