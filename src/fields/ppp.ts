/** PPP protocol numbers (IANA) of the network layers the decoder follows, and of those strip names by an EtherType. */
export const enum PPP_PROTO {
  IPV4 = 0x0021,
  DECNET = 0x0027,
  APPLETALK = 0x0029,
  IPX = 0x002b,
  IPV6 = 0x0057,
  MPLS = 0x0281,
  MPLS_MULTICAST = 0x0283,
}
