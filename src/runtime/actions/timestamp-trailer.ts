import { ETHERTYPE } from '../../fields/ethertype.js';
import { LINKTYPE } from '../../fields/fields.js';
import type { PacketView } from '../decode/view.js';
import { copyBytes, type Replica } from './replica.js';

/**
 * Seconds and nanoseconds (8 bytes), then a 1-byte port stamp. Wireshark
 * 4.0's heuristic decodes this form in frames of every size, without an FCS
 * after it and without padding before it (checked in the tests); the
 * 2-byte port stamp and the bare timestamp it does not.
 */
const TRAILER = 9;
/** Type fields up to this are 802.3 lengths. */
const MAX_8023_LENGTH = 1500;

export type TrailerOutcome = 'trailer' | 'trailer-after-cut' | 'not-ethernet';

/**
 * Appends a VSS-Monitoring timestamp trailer (what Wireshark's
 * vssmonitoring dissector reads from an Ethernet trailer): the capture time
 * as seconds and nanoseconds (clock source bits 0, "not synced": tmesc
 * cannot know how the capturing clock was set), then a 1-byte port stamp,
 * the tap's position in the policy counting from 1 (modulo 256). It replaces whatever
 * followed the packet in the frame (Ethernet padding, an old trailer), so
 * the trailer is all there is after the packet. A frame cut short by the
 * capture or by truncate has no end to append to: the trailer follows the
 * bytes kept, where tools that read the last bytes of a frame find it
 * (Wireshark sees it only in whole frames). Only Ethernet frames carry it.
 */
export function appendTrailer(r: Replica, v: PacketView): TrailerOutcome {
  if (r.linkType !== LINKTYPE.ETHERNET) return 'not-ethernet';
  return appendTrailerAt(r, r.wireLen > r.length ? r.length : packetEnd(r, v));
}

/**
 * appendTrailer() of an Ethernet frame whose packet ends at `end` (its
 * length when the frame was cut short): also for steps done from the walk,
 * which know the end from the walk's offsets.
 */
export function appendTrailerAt(r: Replica, end: number): TrailerOutcome {
  const cut = r.wireLen > r.length;
  const t = r.target(end + TRAILER);
  copyBytes(t, 0, r.data, 0, end);
  put32(t, end, r.tsSec);
  put32(t, end + 4, r.tsNsec & 0x3fffffff);
  t[end + 8] = (r.tap + 1) & 0xff;
  r.wireLen += end + TRAILER - r.length;
  r.commit(end + TRAILER);
  return cut ? 'trailer-after-cut' : 'trailer';
}

/** Where the packet in the frame ends, before padding and trailers: by its own length field where it has one. */
function packetEnd(r: Replica, v: PacketView): number {
  const n = r.length;
  if (v.ipVersion !== 0 && v.ipHdrOffset >= 0 && v.ipTotalLen > 0) return Math.min(n, v.ipHdrOffset + v.ipTotalLen);
  const l3 = v.l3Offset;
  if (l3 < 0) return n;
  if ((v.etherType === ETHERTYPE.ARP || v.etherType === ETHERTYPE.RARP) && l3 + 8 <= n) {
    const d = r.data;
    return Math.min(n, l3 + 8 + 2 * (d[l3 + 4] + d[l3 + 5]));
  }
  // 802.3: the type field is the length of what follows it
  if (v.etherType >= 0 && v.etherType <= MAX_8023_LENGTH) return Math.min(n, l3 + v.etherType);
  return n;
}

function put32(t: Uint8Array, at: number, v: number): void {
  t[at] = (v >>> 24) & 0xff;
  t[at + 1] = (v >>> 16) & 0xff;
  t[at + 2] = (v >>> 8) & 0xff;
  t[at + 3] = v & 0xff;
}
