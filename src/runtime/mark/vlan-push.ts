/**
 * Pushes an 802.1Q tag after the Ethernet addresses, so tools can tell which
 * tap a packet came from. Returns the new frame (4 bytes longer), written
 * into `out`, which must have room for it.
 */
export function pushVlan(frame: Uint8Array, out: Uint8Array, id: number, priority: number): Uint8Array {
  out.set(frame.subarray(0, 12), 0);
  out[12] = 0x81;
  out[13] = 0x00;
  const tci = ((priority & 7) << 13) | (id & 0xfff);
  out[14] = tci >>> 8;
  out[15] = tci & 0xff;
  out.set(frame.subarray(12), 16);
  return out.subarray(0, frame.length + 4);
}
