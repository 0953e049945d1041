/** IEEE 802.2 LLC service access points (the DSAP and SSAP bytes) that pcap-filter(7) names. */
export const enum LLCSAP {
  /** IP over 802.2 (rare; what `ether proto 6` tests). */
  IP = 0x06,
  /** 802.1D spanning tree BPDUs. */
  STP = 0x42,
  /** SNAP: an OUI and a protocol type follow the control field. */
  SNAP = 0xaa,
  IPX = 0xe0,
  NETBEUI = 0xf0,
  /** ISO network layer (CLNP, ES-IS, IS-IS). */
  ISONS = 0xfe,
  /** Raw NetWare 802.3 frames start with 0xffff where the SAPs would be: they carry no LLC header. */
  RAW_NETWARE = 0xff,
}

/** The control byte of an unnumbered information PDU, the only one SNAP frames use. */
export const LLC_UI = 0x03;

/** SNAP organisation codes. */
export const enum SNAP_OUI {
  /** Encapsulated Ethernet: the protocol type is an EtherType. */
  ETHERNET = 0x000000,
  APPLE = 0x080007,
}

/** OSI network layer protocol identifiers (the first byte after an ISONS LLC header). */
export const enum NLPID {
  CLNP = 0x81,
  ESIS = 0x82,
  ISIS = 0x83,
}

/** IS-IS PDU types (ISO 10589), as libpcap's l1, l2, iih, lsp, snp, csnp, psnp test them. */
export const enum ISIS_PDU {
  L1_LAN_IIH = 15,
  L2_LAN_IIH = 16,
  PTP_IIH = 17,
  L1_LSP = 18,
  L2_LSP = 20,
  L1_CSNP = 24,
  L2_CSNP = 25,
  L1_PSNP = 26,
  L2_PSNP = 27,
}
