/** ARP hardware types (ARPHRD_*), in ARP and in Linux cooked capture headers. */
export const enum ARPHRD {
  ETHER = 1,
}

/**
 * Address families in the BSD loopback header (LINKTYPE_NULL, LINKTYPE_LOOP). IPv6 has a
 * different number on each BSD; libpcap's "ip6" accepts all three.
 */
export const enum BSD_AF {
  INET = 2,
  /** NetBSD, OpenBSD, Npcap. */
  INET6_BSD = 24,
  INET6_FREEBSD = 28,
  INET6_DARWIN = 30,
}

/** Linux cooked capture packet types (sll_pkttype): who the packet was for, or that the host sent it. */
export const enum SLL_PKTTYPE {
  HOST = 0,
  BROADCAST = 1,
  MULTICAST = 2,
  OTHERHOST = 3,
  OUTGOING = 4,
}
