import { ETHERTYPE } from '../../fields/ethertype.js';
import { be16 } from './bytes.js';
import { mark, reasonCode } from './malformed.js';
import type { PacketView } from './view.js';

const TRUNCATED = reasonCode('truncated-vlan');
const TOO_MANY = reasonCode('too-many-vlan-tags');

/** vlanCount is a 4-bit field; a deeper stack is an attack, not a network. */
const MAX_TAGS = 15;

/** 802.1Q, 802.1ad and the pre-standard QinQ 0x9100. */
export function isVlanTpid(type: number): boolean {
  return type === ETHERTYPE.VLAN || type === ETHERTYPE.QINQ || type === ETHERTYPE.QINQ_OLD;
}

/**
 * Walks a stack of tags whose first TPID has already been read; `off` is at
 * the first TCI. Returns the offset after the last tag, whose type field is
 * then the two bytes before it, or -1 when the stack is cut or too deep.
 */
export function decodeVlanStack(v: PacketView, d: Uint8Array, off: number, end: number): number {
  let count = 0;
  for (;;) {
    if (end - off < 2) {
      mark(v, TRUNCATED);
      return -1;
    }
    const tci = be16(d, off);
    if (count === 0) {
      v.vlan0 = tci & 0x0fff;
      v.vlanPri0 = tci >> 13;
    } else if (count === 1) {
      v.vlan1 = tci & 0x0fff;
    }
    count++;
    v.vlanCount = count;
    if (end - off < 4) {
      mark(v, TRUNCATED);
      return -1;
    }
    const next = be16(d, off + 2);
    off += 4;
    if (!isVlanTpid(next)) return off;
    if (count === MAX_TAGS) {
      mark(v, TOO_MANY);
      return -1;
    }
  }
}
