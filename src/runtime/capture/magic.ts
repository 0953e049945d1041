import type { CaptureFormat } from './record.js';

export const PCAP_MAGIC_US = 0xa1b2c3d4;
export const PCAP_MAGIC_NS = 0xa1b23c4d;
/** Alexey Kuznetzov's patched libpcap: 8 extra bytes per record header. */
const PCAP_MAGIC_KUZNETZOV = 0xa1b2cd34;
export const PCAP_VERSION_MAJOR = 2;
export const PCAP_VERSION_MINOR = 4;

/** The section header block's type, which is also how a pcapng file starts. */
export const PCAPNG_SHB = 0x0a0d0d0a;
export const PCAPNG_BYTE_ORDER_MAGIC = 0x1a2b3c4d;
/** The byte-order magic as a little-endian read sees it in a big-endian section. */
export const PCAPNG_BYTE_ORDER_MAGIC_SWAPPED = 0x4d3c2b1a;
export const PCAPNG_VERSION_MAJOR = 1;
export const PCAPNG_VERSION_MINOR = 0;

/** pcapng block types (besides PCAPNG_SHB). */
export const enum PCAPNG_BLOCK {
  INTERFACE_DESCRIPTION = 1,
  /** Obsolete packet block. */
  PACKET = 2,
  SIMPLE_PACKET = 3,
  ENHANCED_PACKET = 6,
}

/** pcapng option codes every block shares. */
export const enum PCAPNG_OPT {
  END = 0,
  COMMENT = 1,
}

/** Section header block options. */
export const enum PCAPNG_SHB_OPT {
  USER_APPL = 4,
}

/** Interface description block options. */
export const enum PCAPNG_IF_OPT {
  NAME = 2,
  DESCRIPTION = 3,
  TSRESOL = 9,
  TSOFFSET = 14,
}

function swap32(x: number): number {
  return (((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)) >>> 0;
}

export interface PcapMagic {
  readonly littleEndian: boolean;
  readonly nanosecond: boolean;
  readonly recordHeaderLen: number;
}

/** Decodes a pcap magic read as little-endian; undefined if it is not one. */
export function pcapMagic(magicLE: number): PcapMagic | undefined {
  for (const littleEndian of [true, false]) {
    const m = littleEndian ? magicLE : swap32(magicLE);
    if (m === PCAP_MAGIC_US) return { littleEndian, nanosecond: false, recordHeaderLen: 16 };
    if (m === PCAP_MAGIC_NS) return { littleEndian, nanosecond: true, recordHeaderLen: 16 };
    if (m === PCAP_MAGIC_KUZNETZOV) return { littleEndian, nanosecond: false, recordHeaderLen: 24 };
  }
  return undefined;
}

/** Format by magic number, never by file name: captures are often misnamed. */
export function detectCaptureFormat(head: Uint8Array): CaptureFormat | undefined {
  if (head.length < 4) return undefined;
  const m = (head[0] | (head[1] << 8) | (head[2] << 16) | (head[3] << 24)) >>> 0;
  if (m === PCAPNG_SHB) return 'pcapng';
  return pcapMagic(m) ? 'pcap' : undefined;
}
