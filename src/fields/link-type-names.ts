import { LINKTYPE } from './fields.js';

/** Link types the runtime does not decode, by their LINKTYPE_* numbers, to name them in warnings. */
const LINKTYPE_IEEE802_11 = 105;
const LINKTYPE_IEEE802_11_RADIOTAP = 127;
const LINKTYPE_PPI = 192;
const LINKTYPE_NFLOG = 239;

const NAMES: Record<number, string> = {
  [LINKTYPE.NULL]: 'BSD loopback (null)',
  [LINKTYPE.ETHERNET]: 'Ethernet',
  [LINKTYPE.PPP]: 'PPP',
  [LINKTYPE.PPP_HDLC]: 'PPP in HDLC framing',
  [LINKTYPE.C_HDLC]: 'Cisco HDLC',
  [LINKTYPE.RAW]: 'raw IP',
  [LINKTYPE.LOOP]: 'OpenBSD loopback',
  [LINKTYPE.LINUX_SLL]: 'Linux cooked (SLL)',
  [LINKTYPE.IPV4]: 'raw IPv4',
  [LINKTYPE.IPV6]: 'raw IPv6',
  [LINKTYPE.LINUX_SLL2]: 'Linux cooked v2 (SLL2)',
  // link types the decoder does not read, named in the warnings about them
  [LINKTYPE_IEEE802_11]: '802.11',
  [LINKTYPE_IEEE802_11_RADIOTAP]: '802.11 with radiotap header',
  [LINKTYPE_PPI]: 'PPI',
  [LINKTYPE_NFLOG]: 'NFLOG',
};

/** A link type as people know it, with its LINKTYPE_ number: "Ethernet (1)", "link type 147". */
export function linkTypeName(linkType: number): string {
  const name = NAMES[linkType];
  return name ? `${name} (${linkType})` : `link type ${linkType}`;
}
