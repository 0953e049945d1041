import { LINKTYPE } from '../fields/fields.js';
import { CaptureWriter } from '../runtime/capture/capture-writer.js';
import type { CaptureFormat } from '../runtime/capture/record.js';
import { type FlowCounts, PacketGenerator } from './generator.js';
import type { GenerateOptions } from './options.js';

export interface GenerateFileOptions extends GenerateOptions {
  output: string;
  /** Default pcap. */
  format?: CaptureFormat;
  /** Default: microseconds for pcap, nanoseconds for pcapng. */
  resolution?: 'us' | 'ns';
}

export interface GenerateResult {
  path: string;
  packets: number;
  bytes: number;
  flowsStarted: FlowCounts;
  seconds: number;
}

/**
 * Writes a generated capture, streaming packet by packet, so memory stays
 * flat whatever the count. The file appears under its name only when complete.
 */
export function generate(options: GenerateFileOptions): GenerateResult {
  const t0 = process.hrtime.bigint();
  const gen = new PacketGenerator(options);
  const writer = new CaptureWriter(options.output, {
    format: options.format ?? 'pcap',
    resolution: options.resolution,
    linkType: LINKTYPE.ETHERNET,
  });
  try {
    for (let p = gen.next(); p !== null; p = gen.next()) writer.writePacket(0, p.data, p.tsSec, p.tsNsec);
    writer.close();
  } catch (e) {
    writer.abort();
    throw e;
  }
  return {
    path: options.output,
    packets: gen.produced,
    bytes: writer.bytesWritten,
    flowsStarted: { ...gen.flowsStarted },
    seconds: Number(process.hrtime.bigint() - t0) / 1e9,
  };
}
