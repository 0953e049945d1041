import type { ArtifactGroup } from '../../artifact/types.js';
import type { PacketView } from '../decode/view.js';
import { type ActionModule, Verdict } from './action.js';
import { isDecodedLink } from './l2-layout.js';
import type { Replica } from './replica.js';

export interface TruncateConfig {
  what: 'payload' | 'frame';
  bytes: number;
}

/**
 * truncate frame N: keeps the first N bytes of the frame, as `editcap -s N`
 * does. truncate payload N: keeps every header through the innermost
 * transport header the decoder found (inside tunnels the group did not
 * strip, the inner packet's) and N bytes of what follows it; for IP packets
 * whose protocol has no header the decoder reads (ESP, OSPF, later
 * fragments), the IP header is the last header and the rest is payload. A
 * packet without IP (ARP, LLDP) has no payload to cut and passes whole, and
 * so does a frame of a link type the decoder does not read (counted apart).
 *
 * Only the captured bytes shrink: the IP total length, the transport
 * lengths and checksums, and the capture's original length still describe
 * the packet on the wire, so tools see a snap-length cut (Wireshark's
 * "[Packet size limited during capture]"), not a different packet. Ethernet
 * padding and trailers after the IP packet go with the cut.
 */
export const truncate: ActionModule<TruncateConfig> = {
  name: 'truncate',
  reasons: ['cut', 'short-enough', 'no-payload', 'unknown-link-type'],
  warnings: {
    'unknown-link-type':
      'were delivered whole: their link type is not one tmesc decodes, so no header end to cut after was found',
  },
  init: (g: ArtifactGroup) => ({ ...g.actions.truncate! }),
  contextInit(config, ctx) {
    const c = ctx.counters;
    const n = config.bytes;
    if (config.what === 'frame')
      return {
        apply(r: Replica): Verdict {
          if (r.length <= n) c['short-enough']++;
          else {
            r.cut(n);
            c.cut++;
          }
          return Verdict.Pass;
        },
      };
    return {
      apply(r: Replica): Verdict {
        const start = payloadStart(r.view());
        if (start === NO_IP) {
          // an IP packet may lie behind a link header tmesc does not read (NFLOG, 802.11): not 'no payload'
          c[isDecodedLink(r.linkType) ? 'no-payload' : 'unknown-link-type']++;
          return Verdict.Pass;
        }
        if (start === HEADERS_CUT) {
          c['short-enough']++;
          return Verdict.Pass;
        }
        const keep = start + n;
        if (r.length <= keep) c['short-enough']++;
        else {
          r.cut(keep);
          c.cut++;
        }
        return Verdict.Pass;
      },
    };
  },
};

const NO_IP = -1;
/** An IP packet whose capture ends inside its headers: nothing after them to cut. */
const HEADERS_CUT = -2;

/** Where the payload of the innermost transport layer starts; NO_IP or HEADERS_CUT. */
export function payloadStart(v: PacketView): number {
  const inner = v.inner;
  if (inner !== v && inner.payloadOffset >= 0 && inner.ipVersion !== 0) return inner.payloadOffset;
  if (v.ipVersion === 0) return NO_IP;
  return v.payloadOffset >= 0 ? v.payloadOffset : HEADERS_CUT;
}
