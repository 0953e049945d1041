import { FLAG } from './registers.js';

/** The packets a flag marks, in words, for the report and messages. */
const WHEN: [number, string][] = [
  [FLAG.L3H, 'behind MPLS labels, PPPoE or a second VLAN tag'],
  [FLAG.VLANS, 'behind a second VLAN tag'],
  [FLAG.Q9100, 'behind a 0x9100 VLAN tag'],
  [FLAG.MPLS, 'behind MPLS labels'],
  [FLAG.MPLS2, 'with two or more MPLS labels'],
  [FLAG.PPPOE, 'inside PPPoE'],
  [FLAG.LLC, 'in 802.3 (LLC) frames'],
  [FLAG.TAGGED, 'of VLAN-tagged packets'],
  [FLAG.TUN, 'in packets that may carry a tunnel (GRE, IP in IP, L2TPv3; UDP to or from 1701, 2152, 3544, 4789, 6081)'],
  [FLAG.IP6X, 'behind an IPv6 Mobility header or in an IPv6 later fragment'],
];

export function describeWhen(when: number | 'always'): string {
  if (when === 'always') return 'always';
  return WHEN.filter(([f]) => when & f)
    .map(([, w]) => w)
    .join(', ');
}
