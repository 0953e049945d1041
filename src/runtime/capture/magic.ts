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

/** pcapng block types (besides PCAPNG_SHB); the registry in draft-ietf-opsawg-pcapng. */
export const enum PCAPNG_BLOCK {
  INTERFACE_DESCRIPTION = 1,
  /** Obsolete packet block. */
  PACKET = 2,
  SIMPLE_PACKET = 3,
  NAME_RESOLUTION = 4,
  INTERFACE_STATISTICS = 5,
  ENHANCED_PACKET = 6,
  SYSTEMD_JOURNAL_EXPORT = 9,
  DECRYPTION_SECRETS = 10,
  CUSTOM = 0xbad,
  /** A custom block not to be copied by tools that do not understand it. */
  CUSTOM_NO_COPY = 0x40000bad,
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

/** libpcap's MAXIMUM_SNAPLEN: no capture holds a longer packet for most link types. */
export const MAXIMUM_SNAPLEN = 262144;

/** LINKTYPE_* values whose packets may be longer than MAXIMUM_SNAPLEN (libpcap's max_snaplen_for_dlt). */
const LONG_SNAPLEN: ReadonlyMap<number, number> = new Map([
  [231, 128 * 1024 * 1024], // LINKTYPE_DBUS: a D-Bus message
  [249, 1024 * 1024], // LINKTYPE_USBPCAP
  [279, 8 * 1024 * 1024], // LINKTYPE_EBHSCR
]);

/** The longest packet a capture of this link type can hold: a longer captured length is a corrupt record. */
export function maxSnapLenFor(linkType: number): number {
  return LONG_SNAPLEN.get(linkType) ?? MAXIMUM_SNAPLEN;
}

/**
 * The snapshot length libpcap applies: the header's, unless it is 0 or above
 * the link type's maximum (old writers put 0, or 2^31, there).
 */
export function effectiveSnapLen(headerSnapLen: number, limit: number): number {
  return headerSnapLen === 0 || headerSnapLen > limit ? limit : headerSnapLen;
}
