/**
 * IP protocol numbers (IANA): the IPv4 protocol field and the IPv6 next header, extension
 * headers included. A const enum: the compiler writes the numbers in place.
 */
export const enum IPPROTO {
  /** IPv6 hop-by-hop options. */
  HOPOPTS = 0,
  ICMP = 1,
  IGMP = 2,
  /** IPv4 in IP. */
  IPIP = 4,
  TCP = 6,
  EGP = 8,
  /** Cisco IGRP (what pcap's igrp tests). */
  IGRP = 9,
  UDP = 17,
  /** IPv6 in IP. */
  IPV6 = 41,
  ROUTING = 43,
  FRAGMENT = 44,
  RSVP = 46,
  GRE = 47,
  ESP = 50,
  AH = 51,
  ICMPV6 = 58,
  /** IPv6 "no next header". */
  NONE = 59,
  DSTOPTS = 60,
  EIGRP = 88,
  OSPF = 89,
  PIM = 103,
  VRRP = 112,
  L2TP = 115,
  SCTP = 132,
  /** IPv6 mobility header. */
  MOBILITY = 135,
}
