/**
 * The pcap-filter(7) primitives and loads tmesc does not support, so that a
 * filter pasted from tcpdump gets "not supported, write this instead"
 * (TMES0320) at the primitive rather than a syntax error or "unknown name".
 * The parser recognises the words below (a primitive with its arguments, a
 * load), the checker reports them. Everything else of pcap-filter(7) tmesc
 * supports (docs/language.md has the table, primitive by primitive).
 *
 * What is left tests headers a packet broker does not see (pf log headers,
 * SunATM, 802.11) or needs a name service (gateway). To support one: give it
 * its meaning in the checker (src/check/pcap-primitives.ts), move its word
 * to PCAP_SUPPORTED_WORDS (pcap-words.ts) and delete its entry here.
 */
export interface Unsupported {
  /**
   * 'yet': tmesc means to support it; 'no': it tests what a packet broker
   * does not see (pf log headers, SunATM, 802.11 headers).
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
const LINK = (name: string): Unsupported => ({
  plan: 'no',
  why: `${name} names the link layer, as ether does, and needs a test after it`,
  instead: `write ${name} host/src/dst ADDR, ${name} proto P, ${name} broadcast or multicast, or ${name}[...]`,
});

/** Primitives (and pcap qualifiers that start one), by their first word. */
export const UNSUPPORTED_PRIMITIVES: ReadonlyMap<string, Unsupported> = new Map<string, Unsupported>([
  [
    'gateway',
    {
      plan: 'no',
      why: 'it needs host names resolved to IP and Ethernet addresses, which tmesc does not do',
      instead: "write ether host MAC and not host $ARGS, with the gateway's Ethernet address for MAC",
    },
  ],
  ['link', LINK('link')],
  ['ppp', LINK('ppp')],
  ['slip', LINK('slip')],
  ['fddi', LINK('fddi')],
  ['tr', LINK('tr')],
  ['wlan', WLAN],
  ['type', WLAN],
  ['subtype', WLAN],
  ['dir', WLAN],
  ['direction', WLAN],
  ['ra', WLAN],
  ['ta', WLAN],
  ['addr1', WLAN],
  ['addr2', WLAN],
  ['addr3', WLAN],
  ['addr4', WLAN],
  ['address1', WLAN],
  ['address2', WLAN],
  ['address3', WLAN],
  ['address4', WLAN],
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

/** Protocol layers of pcap's `proto[offset:size]` loads that tmesc does not have. */
export const UNSUPPORTED_LOADS: ReadonlyMap<string, Unsupported> = new Map<string, Unsupported>([
  ['radio', { plan: 'no', why: 'tmesc does not decode 802.11 radio headers' }],
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
