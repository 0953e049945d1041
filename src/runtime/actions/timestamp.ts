import type { ArtifactGroup } from '../../artifact/types.js';
import { ABSENT } from '../../fields/fields.js';
import type { GroupActions } from '../../policy/policy.js';
import { type ActionModule, Verdict } from './action.js';
import { L2Layout, readL2 } from './l2-layout.js';
import type { Replica } from './replica.js';
import { stampIpv4 } from './timestamp-ipv4.js';
import { stampIpv6 } from './timestamp-ipv6.js';
import { appendTrailer } from './timestamp-trailer.js';

export type TimestampConfig = NonNullable<GroupActions['timestamp']>;

/**
 * timestamp: stamps each replica with the time the packet was captured, so
 * tools without synchronized clocks can order what they record. The
 * outermost IP header is stamped, as a router on the path would stamp it:
 * inside a tunnel the group keeps, the tunnel's header, so no outer length
 * or checksum has to follow. IPv4: the RFC 791 Timestamp option
 * (timestamp-ipv4.ts); IPv6: an IOAM trace option (timestamp-ipv6.ts) or a
 * trailer; everything else, and any packet when asked: a VSS-Monitoring
 * trailer (timestamp-trailer.ts). In STEP_ORDER it follows truncate, so the
 * stamp is never cut off.
 */
export const timestamp: ActionModule<TimestampConfig> = {
  name: 'timestamp',
  reasons: [
    'ip-option',
    'ip-option-filled',
    'ip-option-overflow',
    'ip-option-prespecified',
    'ipv6-hop-by-hop',
    'ipv6-destination-option',
    'trailer',
    'trailer-after-cut',
    'skipped',
    'no-room',
    'no-length',
    'bad-options',
    'header-cut',
    'not-ethernet',
  ],
  warnings: {
    'no-room':
      'were delivered unstamped: no room for the stamp (IPv4 options are 40 bytes at most; IPv6 payloads 65,535)',
    'no-length': 'were delivered unstamped: IPv6 with a payload length of 0 (jumbogram or segmentation offload)',
    'bad-options': 'were delivered unstamped: their IPv4 options are malformed',
    'header-cut': 'were delivered unstamped: the capture ends inside the IP header',
    'not-ethernet': 'were delivered unstamped: a trailer needs an Ethernet frame (strip puts packets on Ethernet)',
  },
  init: (g: ArtifactGroup) => ({ ...g.actions.timestamp! }),
  contextInit(config, ctx) {
    const c = ctx.counters;
    const l2 = new L2Layout();
    const pppoeOf = (r: Replica, session: number): number =>
      session !== ABSENT && readL2(l2, r.data, 0, r.length, r.linkType) ? l2.pppoe : -1;
    return {
      apply(r: Replica): Verdict {
        const v = r.view();
        const ip = v.ipHdrOffset;
        const method = ip < 0 ? config.other : v.ipVersion === 4 ? config.ipv4 : config.ipv6;
        switch (method) {
          case 'skip':
            c.skipped++;
            break;
          case 'trailer':
            c[appendTrailer(r, v)]++;
            break;
          case 'ip-option':
            c[stampIpv4(r, ip, pppoeOf(r, v.pppoeSession))]++;
            break;
          default:
            c[stampIpv6(r, ip, method, pppoeOf(r, v.pppoeSession))]++;
        }
        return Verdict.Pass;
      },
    };
  },
};
