/**
 * SCTP's checksum (RFC 9260 appendix A): CRC32c over the whole SCTP packet
 * with the checksum field as zero, stored least significant byte first.
 * Not an Internet checksum, so it cannot be updated for a change: it is
 * recomputed, and only where it was right (a wrong one is left as it was).
 */
const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/** Offset of the checksum in the SCTP common header. */
export const SCTP_CHECKSUM = 8;
const CHECKSUM_AT = SCTP_CHECKSUM;

/** CRC32c of the SCTP packet d[from, to), its checksum field read as zero. */
function sctpCrc(d: Uint8Array, from: number, to: number): number {
  let c = 0xffffffff;
  for (let i = from; i < to; i++) {
    const b = i >= from + CHECKSUM_AT && i < from + CHECKSUM_AT + 4 ? 0 : d[i];
    c = TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  }
  return (c ^ 0xffffffff) >>> 0;
}

function stored(d: Uint8Array, at: number): number {
  return (d[at] | (d[at + 1] << 8) | (d[at + 2] << 16) | (d[at + 3] << 24)) >>> 0;
}

export function sctpChecksumOk(d: Uint8Array, from: number, to: number): boolean {
  return to - from >= 12 && sctpCrc(d, from, to) === stored(d, from + CHECKSUM_AT);
}

export function fixSctpChecksum(d: Uint8Array, from: number, to: number): void {
  const c = sctpCrc(d, from, to);
  const at = from + CHECKSUM_AT;
  d[at] = c & 0xff;
  d[at + 1] = (c >>> 8) & 0xff;
  d[at + 2] = (c >>> 16) & 0xff;
  d[at + 3] = c >>> 24;
}
