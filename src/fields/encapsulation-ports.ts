/**
 * UDP ports of encapsulations that carry a whole packet but that the decoder
 * does not follow (IANA; 8472 is Linux's and flannel's VXLAN port and OTV's):
 * a datagram to or from one of them is taken to hold a packet whose own
 * headers and checksums a payload rewrite would break.
 */
export const enum UNFOLLOWED_UDP_PORT {
  /** Automatic Multicast Tunneling (RFC 7450). */
  AMT = 2268,
  /** LISP data plane (RFC 9300). */
  LISP_DATA = 4341,
  /** GRE-in-UDP (RFC 8086), and its DTLS port. */
  GRE_IN_UDP = 4754,
  GRE_IN_UDP_DTLS = 4755,
  /** VXLAN-GPE (draft-ietf-nvo3-vxlan-gpe): IPv4, IPv6, Ethernet or NSH inside. */
  VXLAN_GPE = 4790,
  /** CAPWAP data (RFC 5415): 802.11 or Ethernet frames inside. */
  CAPWAP_DATA = 5247,
  /** MPLS-in-UDP (RFC 7510), and its DTLS port. */
  MPLS_IN_UDP = 6635,
  MPLS_IN_UDP_DTLS = 6636,
  /** VXLAN on Linux's default port (flannel), OTV. */
  VXLAN_LINUX = 8472,
}

/** Whether a UDP port is one of UNFOLLOWED_UDP_PORT. */
export function unfollowedUdpPort(port: number): boolean {
  switch (port) {
    case UNFOLLOWED_UDP_PORT.AMT:
    case UNFOLLOWED_UDP_PORT.LISP_DATA:
    case UNFOLLOWED_UDP_PORT.GRE_IN_UDP:
    case UNFOLLOWED_UDP_PORT.GRE_IN_UDP_DTLS:
    case UNFOLLOWED_UDP_PORT.VXLAN_GPE:
    case UNFOLLOWED_UDP_PORT.CAPWAP_DATA:
    case UNFOLLOWED_UDP_PORT.MPLS_IN_UDP:
    case UNFOLLOWED_UDP_PORT.MPLS_IN_UDP_DTLS:
    case UNFOLLOWED_UDP_PORT.VXLAN_LINUX:
      return true;
    default:
      return false;
  }
}

/** The ports, for documentation and messages. */
export const UNFOLLOWED_UDP_PORTS_TEXT =
  'VXLAN-GPE 4790, GRE-in-UDP 4754/4755, MPLS-in-UDP 6635/6636, LISP 4341, AMT 2268, CAPWAP data 5247, VXLAN on 8472';
