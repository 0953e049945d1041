import { ETHERTYPE } from '../../fields/ethertype.js';
import type { TapMark } from '../../policy/policy.js';

/**
 * The 802.1Q tags a tap's marks push, as the bytes that follow the Ethernet
 * addresses once they are all pushed (each push goes outermost, so the last
 * mark's tag comes first); undefined when the tap pushes none. Outputs write
 * them into each record as they write the frame (Encoder.packet's tags).
 */
export function vlanTags(marks: readonly TapMark[]): Uint8Array | undefined {
  const vlans = marks.filter((m) => m.kind === 'vlan');
  if (vlans.length === 0) return undefined;
  const tags = new Uint8Array(vlans.length * 4);
  vlans.forEach((m, i) => {
    const o = (vlans.length - 1 - i) * 4;
    const tci = ((m.priority & 7) << 13) | (m.id & 0xfff);
    tags[o] = ETHERTYPE.VLAN >>> 8;
    tags[o + 1] = ETHERTYPE.VLAN & 0xff;
    tags[o + 2] = tci >>> 8;
    tags[o + 3] = tci & 0xff;
  });
  return tags;
}

/** The frame with `tags` after its 12 address bytes, written into `out` (room for both), for outputs that cannot insert them. */
export function insertTags(frame: Uint8Array, tags: Uint8Array, out: Uint8Array): Uint8Array {
  for (let i = 0; i < 12; i++) out[i] = frame[i];
  out.set(tags, 12);
  out.set(new Uint8Array(frame.buffer, frame.byteOffset + 12, frame.length - 12), 12 + tags.length);
  return new Uint8Array(out.buffer, out.byteOffset, frame.length + tags.length);
}
