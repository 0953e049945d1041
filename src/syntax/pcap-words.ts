import { UNSUPPORTED_PRIMITIVES } from './pcap-unsupported.js';
import { FILTER_KEYWORDS } from './tokens.js';

/**
 * pcap-filter(7)'s primitives that are plain names in tmesc rather than
 * reserved words, so that a policy may still call a tap `lat` or a filter
 * `stp`. The parser takes one (with the words after it) as a primitive
 * where a primitive starts; the checker gives it pcap's meaning, or, for
 * those in pcap-unsupported.ts, says it is not supported and what to write.
 * Standing alone, such a word is still the name of a definition of that
 * name, or a protocol inheriting `proto` (`proto ospf or pim`).
 */
export const PCAP_SUPPORTED_WORDS: readonly string[] = [
  // IP protocols (pcap's abbreviations of proto ...)
  'igmp',
  'igrp',
  'pim',
  'vrrp',
  'carp',
  'ah',
  'esp',
  'protochain',
  // link layer protocols (abbreviations of ether proto ...)
  'atalk',
  'aarp',
  'decnet',
  'lat',
  'sca',
  'mopdl',
  'moprc',
  'ipx',
  'netbeui',
  'stp',
  'llc',
  // OSI
  'iso',
  'clnp',
  'esis',
  'es-is',
  'isis',
  'is-is',
  'l1',
  'l2',
  'iih',
  'lsp',
  'snp',
  'csnp',
  'psnp',
  // Linux cooked captures
  'inbound',
  'outbound',
  'ifindex',
];

/** Every word the parser takes as a pcap primitive: supported or not. */
export const PCAP_PRIMITIVES: ReadonlySet<string> = new Set([
  ...PCAP_SUPPORTED_WORDS,
  ...UNSUPPORTED_PRIMITIVES.keys(),
]);

/** Words pcap takes after a protocol qualifier that start a primitive: `ip6 protochain 6`. */
export const PCAP_AFTER_PROTO: ReadonlySet<string> = new Set(['protochain']);

/**
 * pcap's other names for the link layer: `fddi src ADDR`, `wlan host ADDR`,
 * `link proto 0x0800` and `ppp[0]` mean what `ether` does. Alone, or with
 * what only 802.11 has (`wlan addr1`), they are unsupported primitives.
 */
export const LINK_ALIASES: ReadonlySet<string> = new Set(['link', 'ppp', 'slip', 'fddi', 'tr', 'wlan']);

/**
 * The words a filter is written in (tmesc's filter keywords and the pcap
 * primitives it supports, `and`, `or`, `not`): what a name that is no
 * definition, or a word the parser did not expect, is compared with for a
 * "did you mean" (`tpc`: `tcp`, `prot 80`: `proto`, `hots`: `host`).
 */
export const FILTER_VOCABULARY: readonly string[] = [...FILTER_KEYWORDS, ...PCAP_SUPPORTED_WORDS, 'and', 'or', 'not'];
