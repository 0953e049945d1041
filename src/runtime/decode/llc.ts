import { LLC_UI, LLCSAP, NLPID } from '../../fields/llc.js';
import { be16, be24 } from './bytes.js';
import type { PacketView } from './view.js';

/** An ISO LLC header (3 bytes) is followed by the NLPID; IS-IS has its PDU type 4 bytes further on. */
const ISIS_PDU_TYPE_AT = 4;

/**
 * An 802.2 LLC header (802.3 frames, Linux cooked 802.2 frames): the SAPs and
 * the first control byte, and what follows where pcap-filter(7) names it: a
 * SNAP header, or the OSI protocol (and the IS-IS PDU type). Each field is
 * set only when its bytes were captured; nothing here is malformed, since an
 * 802.3 payload may be anything. A raw NetWare frame (0xffff where the SAPs
 * would be) reads as SAPs 0xff 0xff, which is how pcap tells it apart.
 */
export function decodeLlc(v: PacketView, d: Uint8Array, off: number, end: number): void {
  if (off >= end) return;
  v.l3Offset = off;
  const dsap = d[off];
  v.llcDsap = dsap;
  if (end - off < 2) return;
  const ssap = d[off + 1];
  v.llcSsap = ssap;
  if (end - off < 3) return;
  const control = d[off + 2];
  v.llcControl = control;
  if (dsap === LLCSAP.SNAP && ssap === LLCSAP.SNAP && control === LLC_UI) {
    if (end - off < 8) return;
    v.snapOui = be24(d, off + 3);
    v.snapType = be16(d, off + 6);
  } else if (dsap === LLCSAP.ISONS && ssap === LLCSAP.ISONS) {
    if (end - off < 4) return;
    const nlpid = d[off + 3];
    v.osiNlpid = nlpid;
    if (nlpid === NLPID.ISIS && end - off > 3 + ISIS_PDU_TYPE_AT) v.isisPduType = d[off + 3 + ISIS_PDU_TYPE_AT];
  }
}
