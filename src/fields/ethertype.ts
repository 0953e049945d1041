/**
 * EtherTypes (IEEE 802 registry), as they appear in Ethernet, VLAN tags, Linux cooked headers,
 * GRE, Geneve and Cisco HDLC. A const enum: the compiler writes the numbers in place, so the
 * decoder's switches stay switches over literals.
 */
export const enum ETHERTYPE {
  IPV4 = 0x0800,
  ARP = 0x0806,
  /** DEC MOP dump/load. */
  MOPDL = 0x6001,
  /** DEC MOP remote console. */
  MOPRC = 0x6002,
  /** DECnet phase IV. */
  DECNET = 0x6003,
  /** DEC LAT. */
  LAT = 0x6004,
  /** DEC LAVC (SCA). */
  SCA = 0x6007,
  /** ERSPAN type III inside GRE. */
  ERSPAN_III = 0x22eb,
  /** Transparent Ethernet bridging: an Ethernet frame inside GRE, Geneve or NVGRE. */
  TEB = 0x6558,
  /** Reverse ARP; Cisco HDLC reuses it for SLARP. */
  RARP = 0x8035,
  /** AppleTalk (EtherTalk). */
  ATALK = 0x809b,
  /** AppleTalk ARP. */
  AARP = 0x80f3,
  /** 802.1Q VLAN tag. */
  VLAN = 0x8100,
  /** Novell IPX. */
  IPX = 0x8137,
  IPV6 = 0x86dd,
  /** PPP inside GRE (PPTP). */
  PPP = 0x880b,
  /** WCCP redirection inside GRE. */
  WCCP = 0x883e,
  MPLS = 0x8847,
  MPLS_MULTICAST = 0x8848,
  PPPOE_DISCOVERY = 0x8863,
  PPPOE_SESSION = 0x8864,
  /** 802.1ad service tag (QinQ outer tag). */
  QINQ = 0x88a8,
  /** ERSPAN type I and II inside GRE. */
  ERSPAN = 0x88be,
  LLDP = 0x88cc,
  CISCO_METADATA = 0x8909,
  /** Cisco VN-Tag (802.1Qbh pre-standard): a 6-byte tag after the MACs, type field included. */
  VNTAG = 0x8926,
  /** 802.1BR E-Tag: an 8-byte tag after the MACs, type field included. */
  ETAG = 0x893f,
  /** Ethernet configuration testing protocol (loopback). */
  LOOPBACK = 0x9000,
  /** The pre-standard QinQ tag some switches still send. */
  QINQ_OLD = 0x9100,
}

/** Largest 802.3 length: a type/length field up to this is a length, and an 802.2 LLC header follows. */
export const ETHER_MAX_LENGTH = 1500;
