import type { Frame } from '../frame.js';

const NTP_EPOCH_OFFSET = 2_208_988_800;

/** A 48-byte NTPv4 client (mode 3) or server (mode 4) packet. */
export function appendNtp(f: Frame, mode: 3 | 4, unixSec: number): void {
  const ts = (unixSec + NTP_EPOCH_OFFSET) >>> 0;
  f.u8((4 << 3) | mode);
  f.u8(mode === 4 ? 2 : 0); // stratum
  f.u8(6); // poll
  f.u8(0xe9); // precision
  f.u32(mode === 4 ? 0x00000100 : 0); // root delay
  f.u32(mode === 4 ? 0x00000200 : 0); // root dispersion
  f.u32(mode === 4 ? 0xc0000201 : 0); // reference id
  f.u32(mode === 4 ? ts - 30 : 0); // reference timestamp
  f.u32(0);
  f.u32(0); // origin
  f.u32(0);
  f.u32(mode === 4 ? ts : 0); // receive
  f.u32(mode === 4 ? 0x10000000 : 0);
  f.u32(ts); // transmit
  f.u32(0x20000000);
}
