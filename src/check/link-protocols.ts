import { ETHER_MAX_LENGTH, ETHERTYPE } from '../fields/ethertype.js';
import { ISIS_PDU, LLCSAP, NLPID, SNAP_OUI } from '../fields/llc.js';
import type { PFilter, Predicate, Ranges } from '../policy/policy.js';
import { FALSE, maskedByteRanges } from './filter-builders.js';

/**
 * pcap-filter's link-layer protocol tests, as libpcap compiles them for
 * Ethernet (gen_ether_linktype, gen_llc): an EtherType above 1500 is the
 * type field (after the VLAN tags and below MPLS and PPPoE, as every tmesc
 * network-layer test); up to 1500 it is an 802.2 SAP, tested in the LLC
 * header of an 802.3 frame; AppleTalk, AARP and IPX also come in 802.2 and
 * SNAP framings. The same fields hold Linux cooked captures' 802.2 frames.
 */
export interface FieldTests {
  t(field: string, ranges: Ranges): PFilter;
  eq(field: string, v: number): PFilter;
  and(...args: PFilter[]): PFilter;
  or(...args: PFilter[]): PFilter;
  pred(p: Predicate): PFilter;
}

function saps(f: FieldTests, sap: number): PFilter {
  return f.and(f.eq('llcDsap', sap), f.eq('llcSsap', sap));
}

function snap(f: FieldTests, oui: number, type: number): PFilter {
  return f.and(f.eq('snapOui', oui), f.eq('snapType', type));
}

/** IPX in any of its four framings: Ethernet II, 802.2, SNAP and raw 802.3 (0xffff where the SAPs would be). */
function ipx(f: FieldTests): PFilter {
  return f.or(
    f.eq('etherType', ETHERTYPE.IPX),
    f.eq('llcDsap', LLCSAP.IPX),
    saps(f, LLCSAP.RAW_NETWARE),
    snap(f, SNAP_OUI.ETHERNET, ETHERTYPE.IPX),
  );
}

/** `ether proto N`: what libpcap's gen_ether_linktype tests for N. */
export function etherProto(f: FieldTests, n: number): PFilter {
  switch (n) {
    case LLCSAP.ISONS:
    case LLCSAP.IP:
    case LLCSAP.NETBEUI:
      return saps(f, n);
    case LLCSAP.IPX:
      return ipx(f);
    case ETHERTYPE.ATALK:
      return f.or(f.eq('etherType', n), snap(f, SNAP_OUI.APPLE, n));
    case ETHERTYPE.AARP:
      return f.or(f.eq('etherType', n), snap(f, SNAP_OUI.ETHERNET, n));
    // the frame's own type field: a tag is never the network layer's
    case ETHERTYPE.VLAN:
    case ETHERTYPE.QINQ:
    case ETHERTYPE.QINQ_OLD:
      return f.eq('outerEtherType', n);
    // tmesc decodes through labels and PPPoE, so these stand for the header being there
    case ETHERTYPE.MPLS:
    case ETHERTYPE.MPLS_MULTICAST:
      return f.t('mplsCount', [[1, 15]]);
    case ETHERTYPE.PPPOE_SESSION:
      return f.t('pppoeSession', [[0, 0xffff]]);
  }
  // up to 1500, an LLC SAP: the DSAP of an 802.3 frame (a byte, so nothing above 255 is one)
  if (n <= ETHER_MAX_LENGTH) return n <= 0xff ? f.eq('llcDsap', n) : FALSE;
  return f.eq('etherType', n);
}

/**
 * pcap's names after `ether proto` (and its abbreviations: stp, ipx, ...),
 * with the value libpcap gives each: an EtherType, or an LLC SAP.
 */
export const ETHER_PROTO_NAMES: Readonly<Record<string, number>> = {
  ip: ETHERTYPE.IPV4,
  ip6: ETHERTYPE.IPV6,
  arp: ETHERTYPE.ARP,
  rarp: ETHERTYPE.RARP,
  atalk: ETHERTYPE.ATALK,
  aarp: ETHERTYPE.AARP,
  decnet: ETHERTYPE.DECNET,
  sca: ETHERTYPE.SCA,
  lat: ETHERTYPE.LAT,
  mopdl: ETHERTYPE.MOPDL,
  moprc: ETHERTYPE.MOPRC,
  loopback: ETHERTYPE.LOOPBACK,
  iso: LLCSAP.ISONS,
  stp: LLCSAP.STP,
  ipx: LLCSAP.IPX,
  netbeui: LLCSAP.NETBEUI,
};

/** `llc`: an 802.2 LLC header (both SAPs captured), which a raw NetWare frame (SAPs 0xffff) is not. */
export function llc(f: FieldTests): PFilter {
  return f.and(f.t('llcSsap', [[0, 0xff]]), f.or(f.t('llcDsap', [[0, 0xfe]]), f.t('llcSsap', [[0, 0xfe]])));
}

/** `llc TYPE`: the format or command of the LLC control field, as libpcap's gen_llc_* test it. */
export const LLC_TYPES: Readonly<Record<string, { mask: number; value: number }>> = {
  i: { mask: 0x01, value: 0x00 },
  s: { mask: 0x03, value: 0x01 },
  u: { mask: 0x03, value: 0x03 },
  rr: { mask: 0x0f, value: 0x01 },
  rnr: { mask: 0x0f, value: 0x05 },
  rej: { mask: 0x0f, value: 0x09 },
  ui: { mask: 0xef, value: 0x03 },
  ua: { mask: 0xef, value: 0x63 },
  disc: { mask: 0xef, value: 0x43 },
  dm: { mask: 0xef, value: 0x0f },
  sabme: { mask: 0xef, value: 0x6f },
  test: { mask: 0xef, value: 0xe3 },
  xid: { mask: 0xef, value: 0xaf },
  frmr: { mask: 0xef, value: 0x87 },
};

export function llcType(f: FieldTests, type: { mask: number; value: number }): PFilter {
  return f.and(llc(f), f.t('llcControl', maskedByteRanges(type.mask, type.value)));
}

/** OSI over 802.2: iso, and the protocol after its LLC header (`iso proto N`, clnp, esis, isis). */
export function osi(f: FieldTests, nlpid?: number): PFilter {
  return nlpid === undefined ? saps(f, LLCSAP.ISONS) : f.eq('osiNlpid', nlpid);
}

export const OSI_PROTOCOLS: Readonly<Record<string, number>> = {
  clnp: NLPID.CLNP,
  esis: NLPID.ESIS,
  'es-is': NLPID.ESIS,
  isis: NLPID.ISIS,
  'is-is': NLPID.ISIS,
};

/** libpcap's IS-IS PDU classes. */
export const ISIS_CLASSES: Readonly<Record<string, readonly number[]>> = {
  l1: [ISIS_PDU.L1_LAN_IIH, ISIS_PDU.PTP_IIH, ISIS_PDU.L1_LSP, ISIS_PDU.L1_CSNP, ISIS_PDU.L1_PSNP],
  l2: [ISIS_PDU.L2_LAN_IIH, ISIS_PDU.PTP_IIH, ISIS_PDU.L2_LSP, ISIS_PDU.L2_CSNP, ISIS_PDU.L2_PSNP],
  iih: [ISIS_PDU.L1_LAN_IIH, ISIS_PDU.L2_LAN_IIH, ISIS_PDU.PTP_IIH],
  lsp: [ISIS_PDU.L1_LSP, ISIS_PDU.L2_LSP],
  snp: [ISIS_PDU.L1_CSNP, ISIS_PDU.L2_CSNP, ISIS_PDU.L1_PSNP, ISIS_PDU.L2_PSNP],
  csnp: [ISIS_PDU.L1_CSNP, ISIS_PDU.L2_CSNP],
  psnp: [ISIS_PDU.L1_PSNP, ISIS_PDU.L2_PSNP],
};

export function isisPdu(f: FieldTests, types: readonly number[]): PFilter {
  return f.t(
    'isisPduType',
    types.map((x) => [x, x]),
  );
}
