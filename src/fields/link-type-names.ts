import { LINKTYPE } from './fields.js';

const NAMES: Record<number, string> = {
  [LINKTYPE.NULL]: 'BSD loopback (null)',
  [LINKTYPE.ETHERNET]: 'Ethernet',
  [LINKTYPE.PPP]: 'PPP',
  [LINKTYPE.RAW]: 'raw IP',
  [LINKTYPE.LOOP]: 'OpenBSD loopback',
  [LINKTYPE.LINUX_SLL]: 'Linux cooked (SLL)',
  [LINKTYPE.IPV4]: 'raw IPv4',
  [LINKTYPE.IPV6]: 'raw IPv6',
  [LINKTYPE.LINUX_SLL2]: 'Linux cooked v2 (SLL2)',
};

/** A link type as people know it, with its LINKTYPE_ number: "Ethernet (1)", "link type 147". */
export function linkTypeName(linkType: number): string {
  const name = NAMES[linkType];
  return name ? `${name} (${linkType})` : `link type ${linkType}`;
}
