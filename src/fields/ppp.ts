/** PPP protocol numbers (IANA) of the network layers the decoder follows. */
export const enum PPP_PROTO {
  IPV4 = 0x0021,
  IPV6 = 0x0057,
  MPLS = 0x0281,
  MPLS_MULTICAST = 0x0283,
}
