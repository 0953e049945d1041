import { openCapture } from './open.js';
import type { InterfaceInfo } from './record.js';

/**
 * The interfaces a capture declares before its first packet: a pcap file's
 * header, a pcapng file's interface blocks up to its first packet block
 * (where writers put them; one declared later is not seen). Reads a few
 * blocks, not the file. Throws CaptureError as openCapture does.
 */
export function headerInterfaces(path: string): readonly InterfaceInfo[] {
  const src = openCapture(path, { readAhead: false, bufferSize: 64 * 1024 });
  try {
    src.peek();
    return src.interfaces;
  } finally {
    src.close();
  }
}

/** Whether timestamps of this interface are finer than a microsecond (10^-7 s and below, or 2^-20 s and below). */
export function finerThanMicroseconds(i: InterfaceInfo): boolean {
  return i.tsResolBase === 10 ? i.tsResolExp > 6 : i.tsResolExp > 19;
}
