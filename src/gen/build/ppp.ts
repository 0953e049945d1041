import type { Frame } from '../frame.js';

const ALL_STATIONS = 0xff;
const UNNUMBERED_INFORMATION = 0x03;

/** A PPP header (address, control, two-byte protocol) over the packet already in the frame; PPPoE omits address and control. */
export function prependPpp(f: Frame, protocol: number, addressAndControl: boolean): void {
  const p = f.prepend(addressAndControl ? 4 : 2);
  let o = p;
  if (addressAndControl) {
    f.buf[o++] = ALL_STATIONS;
    f.buf[o++] = UNNUMBERED_INFORMATION;
  }
  f.dv.setUint16(o, protocol);
}
