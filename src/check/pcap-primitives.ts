import type { Reporter } from '../diagnostics/bag.js';
import { IPPROTO } from '../fields/ip-proto.js';
import { SLL_PKTTYPE } from '../fields/link-headers.js';
import type { PFilter, Scope } from '../policy/policy.js';
import type * as A from '../syntax/ast.js';
import { UNSUPPORTED_PRIMITIVES, unsupportedMessage } from '../syntax/pcap-unsupported.js';
import { FALSE } from './filter-builders.js';
import {
  ETHER_PROTO_NAMES,
  ISIS_CLASSES,
  LLC_TYPES,
  OSI_PROTOCOLS,
  etherProto,
  isisPdu,
  llc,
  llcType,
  osi,
  type FieldTests,
} from './link-protocols.js';
import type { BuildCode } from './stages.js';
import { unknownWord } from './unknown-word.js';

/** What the pcap primitives need of the filter lowering. */
export interface PcapContext extends FieldTests {
  readonly scope: Scope;
  readonly bag: Reporter<BuildCode>;
  /** A test of a field of the frame itself (its link header), whatever the scope. */
  frame(field: string, ranges: [number, number][]): PFilter;
  /** An IP protocol, by number or name; undefined after a diagnostic. */
  ipProtocol(v: A.Value): number | undefined;
  /** `ip proto N`, `ip6 proto N`, `proto N` (family undefined), with tmesc's meaning. */
  ipProto(family: 'ip' | 'ip6' | undefined, n: number): PFilter;
}

/** pcap's abbreviations of `ip proto N` (IPv4 only) and `proto N` (either). */
const IP_ABBREVIATIONS: Readonly<Record<string, { family?: 'ip'; proto: number }>> = {
  igmp: { family: 'ip', proto: IPPROTO.IGMP },
  igrp: { family: 'ip', proto: IPPROTO.IGRP },
  vrrp: { family: 'ip', proto: IPPROTO.VRRP },
  // CARP took VRRP's protocol number
  carp: { family: 'ip', proto: IPPROTO.VRRP },
  pim: { proto: IPPROTO.PIM },
  ah: { proto: IPPROTO.AH },
  esp: { proto: IPPROTO.ESP },
};

const PKTTYPE_MAX = 0xffff;

/**
 * A pcap-filter primitive that is a name in tmesc (syntax/pcap-words.ts),
 * with pcap's meaning, or TMES0320 where tmesc does not support it. Returns
 * FALSE after a diagnostic.
 */
export function lowerPcapPrimitive(c: PcapContext, f: A.PcapFilter): PFilter {
  const word = f.keyword.word;
  const args = f.args;
  const what = `pcap-filter's '${f.proto ? `${f.proto.word} ` : ''}${word}'`;
  const noArgs = (): boolean => {
    if (args.length === 0) return true;
    c.bag.add('TMES0309', spanOf(args), `'${word}' takes nothing after it here`);
    return false;
  };

  const ip = IP_ABBREVIATIONS[word];
  if (ip) return noArgs() ? c.ipProto(ip.family, ip.proto) : FALSE;
  if (word === 'protochain') return protochain(c, f);
  if (word === 'decnet' && args.length > 0) {
    c.bag.add(
      'TMES0320',
      f.span,
      `${what} with an address is not supported by tmesc: DECnet addresses are not decoded; for any DECnet traffic, write decnet`,
    );
    return FALSE;
  }
  const etherName = ETHER_PROTO_NAMES[word];
  if (etherName !== undefined && word !== 'iso') return noArgs() ? etherProto(c, etherName) : FALSE;
  if (word === 'llc') return llcPrimitive(c, f);
  if (word === 'iso') return osiProto(c, f, 'iso');
  if (word === 'isis' || word === 'is-is') return args.length ? osiProto(c, f, 'isis') : osi(c, OSI_PROTOCOLS[word]);
  if (OSI_PROTOCOLS[word] !== undefined) return noArgs() ? osi(c, OSI_PROTOCOLS[word]) : FALSE;
  if (ISIS_CLASSES[word]) return noArgs() ? isisPdu(c, ISIS_CLASSES[word]) : FALSE;
  if (word === 'inbound')
    return noArgs()
      ? c.frame('pktType', [
          [0, SLL_PKTTYPE.OUTGOING - 1],
          [SLL_PKTTYPE.OUTGOING + 1, PKTTYPE_MAX],
        ])
      : FALSE;
  if (word === 'outbound') return noArgs() ? c.frame('pktType', [[SLL_PKTTYPE.OUTGOING, SLL_PKTTYPE.OUTGOING]]) : FALSE;
  if (word === 'ifindex') return ifindex(c, f);

  const info = UNSUPPORTED_PRIMITIVES.get(word);
  const text = args.map(valueText).join(' ');
  c.bag.add(
    'TMES0320',
    f.span,
    info ? unsupportedMessage(what, info, text, f.proto?.word) : `${what} is not supported by tmesc`,
  );
  return FALSE;
}

function protochain(c: PcapContext, f: A.PcapFilter): PFilter {
  const proto = f.proto?.word;
  if (proto !== undefined && proto !== 'ip' && proto !== 'ip6') {
    c.bag.add('TMES0309', f.proto!.span, `'${proto} protochain' does not exist; use ip, ip6 or neither`);
    return FALSE;
  }
  if (f.args.length !== 1) {
    c.bag.add('TMES0309', f.span, `protochain takes one IP protocol, a number or a name: protochain 6`);
    return FALSE;
  }
  const n = c.ipProtocol(f.args[0]);
  if (n === undefined) return FALSE;
  const family = proto === 'ip' ? 4 : proto === 'ip6' ? 6 : 0;
  return c.pred({ kind: 'protochain', scope: c.scope, family, proto: n });
}

function llcPrimitive(c: PcapContext, f: A.PcapFilter): PFilter {
  if (f.args.length === 0) return llc(c);
  const a = f.args[0];
  const name = a.kind === 'Word' ? a.word : a.kind === 'Ident' ? a.name : undefined;
  const type = name !== undefined ? LLC_TYPES[name.toLowerCase()] : undefined;
  if (f.args.length > 1 || !type) {
    if (name !== undefined && f.args.length === 1) unknownWord(c.bag, a.span, name, 'LLC type', Object.keys(LLC_TYPES));
    else c.bag.add('TMES0309', spanOf(f.args), `llc takes one type: ${Object.keys(LLC_TYPES).join(', ')}`);
    return FALSE;
  }
  return llcType(c, type);
}

/** `iso proto N` (the OSI protocol: clnp, esis, isis or a number) and `isis proto N` (the IS-IS PDU type). */
function osiProto(c: PcapContext, f: A.PcapFilter, layer: 'iso' | 'isis'): PFilter {
  if (f.args.length === 0) return osi(c);
  const [q, v] = f.args;
  if (f.args.length !== 2 || q.kind !== 'Word' || q.word !== 'proto') {
    c.bag.add('TMES0309', spanOf(f.args), `write ${layer} proto N, or ${layer} alone`);
    return FALSE;
  }
  let n: number | undefined;
  if (v.kind === 'Number' && Number.isInteger(v.value)) n = v.value;
  else if (layer === 'iso' && (v.kind === 'Word' || v.kind === 'Ident')) {
    const name = v.kind === 'Word' ? v.word : v.name;
    n = OSI_PROTOCOLS[name];
    if (n === undefined) {
      unknownWord(c.bag, v.span, name, 'OSI protocol', Object.keys(OSI_PROTOCOLS));
      return FALSE;
    }
  }
  if (n === undefined || n < 0 || n > 0xff) {
    c.bag.add(
      'TMES0307',
      v.span,
      `${layer} proto takes a number from 0 to 255${layer === 'iso' ? ' or clnp, esis, isis' : ''}`,
    );
    return FALSE;
  }
  return layer === 'iso' ? osi(c, n) : isisPdu(c, [n]);
}

function ifindex(c: PcapContext, f: A.PcapFilter): PFilter {
  const v = f.args[0];
  if (f.args.length !== 1 || v.kind !== 'Number' || !Number.isInteger(v.value) || v.value > 0xffffffff) {
    c.bag.add('TMES0307', f.args.length ? spanOf(f.args) : f.span, 'ifindex takes an interface index, a number');
    return FALSE;
  }
  return c.frame('ifIndex', [[v.value, v.value]]);
}

function valueText(v: A.Value): string {
  switch (v.kind) {
    case 'Word':
      return v.word;
    case 'Ident':
      return v.name;
    case 'Number':
      return v.text;
    case 'Range':
      return `${v.lo.text}-${v.hi.text}`;
    case 'String':
      return JSON.stringify(v.value);
    case 'Regex':
      return `/${v.source}/${v.flags}`;
    default:
      return v.text;
  }
}

function spanOf(vs: A.Value[]): A.Value['span'] {
  return { file: vs[0].span.file, start: vs[0].span.start, end: vs[vs.length - 1].span.end };
}
