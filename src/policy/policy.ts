import type { Span } from '../diagnostics/diagnostic.js';

/**
 * The checked policy: names resolved, literals parsed, filters lowered to
 * tests over packet fields. It is the only input of the compiler (ir/).
 */
export interface Policy {
  name: string;
  /** Root file and every included file, root first. */
  files: string[];
  /** sha256 of the files' texts, in order: identifies what an artifact was built from. */
  sourceHash: string;
  taps: Tap[];
  groups: Group[];
  rules: Rule[];
}

export type TapSource =
  | { kind: 'interface'; name: string }
  | { kind: 'files'; format: 'pcap' | 'pcapng' | 'auto'; paths: string[] }
  | { kind: 'inline'; left: string; right: string };

export type TapMark = { kind: 'vlan'; id: number; priority: number } | { kind: 'comment' };

export interface Tap {
  name: string;
  index: number;
  source: TapSource;
  marks: TapMark[];
  span: Span;
}

/** Timestamp resolution of a file output: the policy's choice, else the inputs'. */
export type Precision = 'us' | 'ns';

export interface Tool {
  name: string;
  index: number;
  output: { kind: 'interface' | 'pcap' | 'pcapng'; target: string; precision?: Precision };
  /** Capacity in bits per second; undefined when not given. */
  rateBps?: number;
  span: Span;
}

export interface MaskSpec {
  /** 'card-number' and 'credentials' are built in; 'regex' carries a user pattern. */
  kind: 'card-number' | 'credentials' | 'regex';
  source?: string;
  flags?: string;
  fill: string;
}

export interface GroupActions {
  strip: string[];
  masks: MaskSpec[];
  replaces: { source: string; flags: string; text: string }[];
  truncate?: { what: 'payload' | 'frame'; bytes: number };
  /** How each kind of packet is stamped: IPv4, IPv6, and packets with no IP header (`other`). */
  timestamp?: {
    ipv4: 'ip-option' | 'trailer';
    ipv6: 'skip' | 'destination-option' | 'hop-by-hop' | 'trailer';
    other: 'skip' | 'trailer';
  };
  shape?: { burstBytes: number };
  dedup?: { windowNs: number };
}

export interface Group {
  name: string;
  index: number;
  tools: Tool[];
  balance: { symmetric: boolean; inner: boolean };
  actions: GroupActions;
  span: Span;
}

export interface Rule {
  name: string;
  index: number;
  /** Tap indices, or 'any'. */
  taps: number[] | 'any';
  filter: PFilter;
  action: 'to' | 'drop';
  groups: number[];
  span: Span;
  /** Span of the filter, for findings about it. */
  filterSpan: Span;
}

/** Inclusive [lo, hi] integer intervals, sorted and disjoint. */
export type Ranges = [number, number][];

/**
 * A filter over packet fields. `test` is the workhorse: the field's value lies
 * in one of the ranges (ABSENT never does). `pred` is a test the compiler
 * cannot see into (payload content, byte-offset arithmetic); it treats each
 * distinct one as an independent condition.
 */
export type PFilter =
  | { t: 'const'; value: boolean }
  | { t: 'and'; args: PFilter[] }
  | { t: 'or'; args: PFilter[] }
  | { t: 'not'; arg: PFilter }
  | { t: 'test'; field: string; ranges: Ranges }
  | { t: 'pred'; pred: Predicate };

export type Scope = 'outer' | 'inner';

export type Predicate =
  | { kind: 'contains'; scope: Scope; bytes: number[] }
  | { kind: 'regex'; scope: Scope; source: string; flags: string }
  | { kind: 'relation'; scope: Scope; op: '==' | '!=' | '<' | '<=' | '>' | '>='; left: PArith; right: PArith }
  /**
   * pcap's protochain: `proto` is the IP protocol or one of the headers on the
   * way to it (IPv6 extension headers, AH), in IPv4 (family 4), IPv6 (6) or either (0).
   */
  | { kind: 'protochain'; scope: Scope; family: 0 | 4 | 6; proto: number };

/** Layers of pcap's `proto[offset:size]` loads (pcap's link-layer names are ether). */
export const LOAD_LAYERS = [
  'ether',
  'ip',
  'ip6',
  'arp',
  'rarp',
  'tcp',
  'udp',
  'icmp',
  'icmp6',
  'sctp',
  'igmp',
  'igrp',
  'pim',
  'vrrp',
  'carp',
  'atalk',
  'decnet',
  'lat',
  'sca',
  'mopdl',
  'moprc',
] as const;

export type LoadLayer = (typeof LOAD_LAYERS)[number];

export type PArith =
  | { k: 'num'; v: number }
  | { k: 'len' }
  | { k: 'field'; field: string }
  | { k: 'load'; layer: LoadLayer; offset: PArith; size: 1 | 2 | 4 }
  | { k: 'bin'; op: '+' | '-' | '*' | '/' | '%' | '&' | '|' | '^' | '<<' | '>>'; l: PArith; r: PArith }
  | { k: 'neg'; a: PArith };

export function predicateKey(p: Predicate): string {
  return JSON.stringify(p);
}
