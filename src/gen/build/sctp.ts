import type { Frame } from '../frame.js';
import { crc32c } from './crc32c.js';

/** An SCTP common header (RFC 9260) over the chunks already in the frame, with its CRC32c checksum. */
export function prependSctp(f: Frame, srcPort: number, dstPort: number, verificationTag: number): void {
  const p = f.prepend(12);
  const dv = f.dv;
  dv.setUint16(p, srcPort);
  dv.setUint16(p + 2, dstPort);
  dv.setUint32(p + 4, verificationTag >>> 0);
  dv.setUint32(p + 8, 0);
  // the checksum is stored little-endian (RFC 9260 appendix A)
  dv.setUint32(p + 8, crc32c(f.buf, p, f.end), true);
}
