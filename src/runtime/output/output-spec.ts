/** A tap as a pcapng output declares it: one interface block per link type, named after the tap. */
export interface TapInterface {
  name: string;
  snapLen: number;
  nanosecond: boolean;
}

/** What a tool's output is, as both engines (one thread, and runtime/parallel) open it. */
export interface OutputSpec {
  path: string;
  format: 'pcap' | 'pcapng';
  /** pcap: the file's timestamp resolution. */
  nanosecond: boolean;
  /** pcapng: each tap's interface blocks, by tap index. */
  taps: TapInterface[];
}
