/**
 * The pcap-filter(7) primitives and keywords tmesc does not support, so that
 * a filter pasted from tcpdump gets "not supported, write this instead"
 * (TMES0320) at the primitive rather than a syntax error or "unknown name".
 * The parser recognises the words below (a primitive with its arguments, a
 * load, a name after `ether proto`), the checker reports them.
 *
 * To support one (issue 17): give it its grammar and lowering, and delete its
 * entry; the test that runs every entry through the checker follows the table.
 */
export interface Unsupported {
  /**
   * 'yet': tmesc means to support it; 'no': it tests what a packet broker
   * does not see (pf log headers, SunATM, 802.11 headers, DECnet, OSI).
   */
  readonly plan: 'yet' | 'no';
  /**
   * What to write instead, where tmesc has an equivalent or a near one;
   * `$ARGS` stands for the words the user wrote after the keyword.
   */
  readonly instead?: string;
  /** Why, where there is no equivalent. */
  readonly why?: string;
}

const ETHER_ONLY = '(Ethernet II framing only; pcap also tests 802.2 SNAP)';
const PFLOG: Unsupported = {
  plan: 'no',
  why: 'it reads the header of OpenBSD/FreeBSD pf log captures, which tmesc does not decode',
};
const ATM: Unsupported = { plan: 'no', why: 'it reads SunATM capture headers (Solaris), which tmesc does not decode' };
const WLAN: Unsupported = {
  plan: 'no',
  why: 'tmesc decodes Ethernet-family link layers, not 802.11 headers',
  instead: 'for an Ethernet address, write ether host/src/dst ADDR',
};
const OSI: Unsupported = {
  plan: 'no',
  why: 'tmesc does not decode OSI network protocols',
  instead: 'on untagged 802.3 frames, ether[12:2] <= 1500 and ether[14:2] == 0xfefe tests for OSI LLC frames',
};
const ISIS: Unsupported = { ...OSI, why: 'tmesc does not decode IS-IS' };

/** Primitives (and pcap qualifiers that start one), by their first word. */
export const UNSUPPORTED_PRIMITIVES: ReadonlyMap<string, Unsupported> = new Map<string, Unsupported>([
  [
    'protochain',
    {
      plan: 'yet',
      instead:
        "write $PROTOproto $ARGS: tmesc's proto, ip proto and ip6 proto already test the protocol after the IPv6 extension headers (for IPv6 fragments, write fragment)",
    },
  ],
  [
    'llc',
    {
      plan: 'yet',
      instead:
        "on untagged frames, ether[12:2] <= 1500 tests for an 802.3 frame with an LLC header (without pcap's exception for raw NetWare frames)",
    },
  ],
  ['stp', { plan: 'yet', instead: 'on untagged frames, write ether[12:2] <= 1500 and ether[14] == 0x42' }],
  ['netbeui', { plan: 'no', instead: 'on untagged frames, write ether[12:2] <= 1500 and ether[14] == 0xf0' }],
  ['iso', OSI],
  ['clnp', OSI],
  ['esis', OSI],
  ['isis', ISIS],
  ['l1', ISIS],
  ['l2', ISIS],
  ['iih', ISIS],
  ['lsp', ISIS],
  ['snp', ISIS],
  ['csnp', ISIS],
  ['psnp', ISIS],
  [
    'decnet',
    { plan: 'no', why: 'tmesc does not decode DECnet addresses', instead: 'for any DECnet, write ether proto 0x6003' },
  ],
  ['atalk', { plan: 'no', instead: `write ether proto 0x809b ${ETHER_ONLY}` }],
  ['aarp', { plan: 'no', instead: `write ether proto 0x80f3 ${ETHER_ONLY}` }],
  ['ipx', { plan: 'no', instead: `write ether proto 0x8137 ${ETHER_ONLY}` }],
  ['sca', { plan: 'no', instead: 'write ether proto 0x6007' }],
  ['lat', { plan: 'no', instead: 'write ether proto 0x6004' }],
  ['mopdl', { plan: 'no', instead: 'write ether proto 0x6001' }],
  ['moprc', { plan: 'no', instead: 'write ether proto 0x6002' }],
  [
    'inbound',
    { plan: 'yet', why: 'only cooked (Linux SLL) captures record the direction, and tmesc does not read it from them' },
  ],
  [
    'outbound',
    { plan: 'yet', why: 'only cooked (Linux SLL) captures record the direction, and tmesc does not read it from them' },
  ],
  [
    'ifindex',
    { plan: 'yet', why: 'only Linux SLL2 captures record the interface index, and tmesc does not read it from them' },
  ],
  [
    'gateway',
    {
      plan: 'no',
      why: 'it needs host names resolved to IP and Ethernet addresses, which tmesc does not do',
      instead: "write ether host MAC and not host $ARGS, with the gateway's Ethernet address for MAC",
    },
  ],
  ['igmp', { plan: 'yet', instead: 'write ip proto igmp' }],
  ['pim', { plan: 'yet', instead: 'write proto pim' }],
  ['vrrp', { plan: 'yet', instead: 'write ip proto vrrp' }],
  ['carp', { plan: 'yet', instead: "write ip proto 112 (CARP shares VRRP's protocol number)" }],
  ['ah', { plan: 'yet', instead: 'write proto ah' }],
  ['esp', { plan: 'yet', instead: 'write proto esp' }],
  ['igrp', { plan: 'yet', instead: 'write ip proto 9' }],
  ['fddi', { plan: 'no', instead: 'pcap reads fddi as ether: write ether $ARGS' }],
  ['tr', { plan: 'no', instead: 'pcap reads tr as ether: write ether $ARGS' }],
  ['wlan', WLAN],
  ['type', WLAN],
  ['subtype', WLAN],
  ['dir', WLAN],
  ['ifname', PFLOG],
  ['on', PFLOG],
  ['rnr', PFLOG],
  ['rulenum', PFLOG],
  ['reason', PFLOG],
  ['rset', PFLOG],
  ['ruleset', PFLOG],
  ['srnr', PFLOG],
  ['subrulenum', PFLOG],
  ['action', PFLOG],
  ['vpi', ATM],
  ['vci', ATM],
  ['lane', ATM],
  ['oamf4s', ATM],
  ['oamf4e', ATM],
  ['oamf4', ATM],
  ['oam', ATM],
  ['metac', ATM],
  ['bcc', ATM],
  ['sc', ATM],
  ['ilmic', ATM],
  ['connectmsg', ATM],
  ['metaconnect', ATM],
]);

/** Words pcap takes after a protocol qualifier (`ip protochain 6`) that start an unsupported primitive. */
export const UNSUPPORTED_AFTER_PROTO: ReadonlySet<string> = new Set(['protochain']);

const LINK: Unsupported = { plan: 'yet', instead: 'on Ethernet captures, write ether[...]' };

/** Protocol layers of pcap's `proto[offset:size]` loads that tmesc does not have. */
export const UNSUPPORTED_LOADS: ReadonlyMap<string, Unsupported> = new Map<string, Unsupported>([
  ['link', LINK],
  ['fddi', LINK],
  ['tr', LINK],
  ['wlan', { plan: 'no', why: 'tmesc does not decode 802.11 headers' }],
  ['ppp', { plan: 'yet', why: 'tmesc does not load from PPP headers yet' }],
  ['slip', { plan: 'no', why: 'tmesc does not decode SLIP' }],
  ['radio', { plan: 'no', why: 'tmesc does not decode 802.11 radio headers' }],
  [
    'igmp',
    { plan: 'yet', why: 'tmesc has no IGMP layer yet', instead: 'for IPv4 without options, ip[20 + n] is igmp[n]' },
  ],
  ['pim', { plan: 'yet', why: 'tmesc has no PIM layer yet' }],
  ['vrrp', { plan: 'yet', why: 'tmesc has no VRRP layer yet' }],
  ['carp', { plan: 'yet', why: 'tmesc has no CARP layer yet' }],
  ['igrp', { plan: 'yet', why: 'tmesc has no IGRP layer yet' }],
  ['rarp', { plan: 'yet', why: 'tmesc loads from ARP but not RARP yet' }],
  ['atalk', { plan: 'no', why: 'tmesc does not decode AppleTalk' }],
  ['decnet', { plan: 'no', why: 'tmesc does not decode DECnet' }],
  ['lat', { plan: 'no', why: 'tmesc does not decode LAT' }],
  ['sca', { plan: 'no', why: 'tmesc does not decode SCA' }],
  ['mopdl', { plan: 'no', why: 'tmesc does not decode MOP' }],
  ['moprc', { plan: 'no', why: 'tmesc does not decode MOP' }],
]);

/** pcap's names after `ether proto` that tmesc does not know, with the EtherType to write. */
export const UNSUPPORTED_ETHER_NAMES: ReadonlyMap<string, Unsupported> = new Map<string, Unsupported>([
  ['atalk', { plan: 'no', instead: `write ether proto 0x809b ${ETHER_ONLY}` }],
  ['aarp', { plan: 'no', instead: `write ether proto 0x80f3 ${ETHER_ONLY}` }],
  ['ipx', { plan: 'no', instead: `write ether proto 0x8137 ${ETHER_ONLY}` }],
  ['decnet', { plan: 'no', instead: 'write ether proto 0x6003' }],
  ['sca', { plan: 'no', instead: 'write ether proto 0x6007' }],
  ['lat', { plan: 'no', instead: 'write ether proto 0x6004' }],
  ['mopdl', { plan: 'no', instead: 'write ether proto 0x6001' }],
  ['moprc', { plan: 'no', instead: 'write ether proto 0x6002' }],
  ['loopback', { plan: 'no', instead: 'write ether proto 0x9000' }],
  ['iso', OSI],
  ['stp', { plan: 'yet', instead: 'on untagged frames, write ether[12:2] <= 1500 and ether[14] == 0x42' }],
  ['netbeui', { plan: 'no', instead: 'on untagged frames, write ether[12:2] <= 1500 and ether[14] == 0xf0' }],
]);

/**
 * The message for an unsupported `what` ("pcap-filter's 'llc'"), with the
 * user's words after the keyword for `$ARGS` and the protocol qualifier
 * before it for `$PROTO`.
 */
export function unsupportedMessage(what: string, u: Unsupported, args = '', proto = ''): string {
  const head = `${what} is not supported by tmesc${u.plan === 'yet' ? ' yet' : ''}`;
  const why = u.why ? `: ${u.why}` : '';
  const advice = u.instead?.replace('$ARGS', args || '...').replace('$PROTO', proto ? proto + ' ' : '');
  return head + why + (advice ? `; ${advice}` : '');
}
