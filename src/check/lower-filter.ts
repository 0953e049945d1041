import type { Reporter } from '../diagnostics/bag.js';
import type { Span } from '../diagnostics/diagnostic.js';
import { ETHERTYPE } from '../fields/ethertype.js';
import { TUNNEL, fieldInfo } from '../fields/fields.js';
import { IPPROTO } from '../fields/ip-proto.js';
import { UDP_PORT } from '../fields/ports.js';
import { LOAD_LAYERS as LOAD_LAYER_NAMES } from '../policy/policy.js';
import type { LoadLayer, PArith, PFilter, Ranges, Scope } from '../policy/policy.js';
import type * as A from '../syntax/ast.js';
import { UNSUPPORTED_LOADS, unsupportedMessage } from '../syntax/pcap-unsupported.js';
import { FILTER_VOCABULARY, LINK_ALIASES } from '../syntax/pcap-words.js';
import type { BuildCode } from './stages.js';
import { FALSE, TRUE, maskedByteRanges } from './filter-builders.js';
import { MAX_EXPANDED_DEPTH, MAX_NESTING } from '../syntax/limits.js';
import { FilterDag } from './filter-dag.js';
import { ETHER_PROTO_NAMES, etherProto, type FieldTests } from './link-protocols.js';
import { formatIpv4, ipv4Network, isBareMac, parseIpv4, parseIpv6, parseMac, shortNet } from './literals.js';
import {
  ETHER_TYPES,
  ICMP6_TYPES,
  ICMP_TYPES,
  IP_PROTOCOLS,
  PCAP_CONSTANTS,
  RELATION_FIELDS,
  SERVICES,
  TCP_FLAGS,
  TUNNEL_LABELS,
} from './names.js';
import { checkPattern, problemSpan } from './patterns.js';
import { lowerPcapPrimitive, type PcapContext } from './pcap-primitives.js';
import { DEFINE_KINDS, type DefineKind, type Symbols } from './symbols.js';
import { unknownWord } from './unknown-word.js';
import { didYouMean } from '../diagnostics/suggest.js';

type Family = 4 | 6;
interface NetEntry {
  family: Family;
  v4?: [number, number];
  v6?: { words: number[]; len: number };
}

const PROTO_NUM: Record<string, number> = {
  tcp: IPPROTO.TCP,
  udp: IPPROTO.UDP,
  sctp: IPPROTO.SCTP,
  icmp: IPPROTO.ICMP,
  icmp6: IPPROTO.ICMPV6,
};
const ETHER_OF: Record<string, number> = {
  ip: ETHERTYPE.IPV4,
  ip6: ETHERTYPE.IPV6,
  arp: ETHERTYPE.ARP,
  rarp: ETHERTYPE.RARP,
};
const FULL32: [number, number] = [0, 0xffffffff];

/** Said after "unknown name" where an address was expected: it may be a host name. */
const NOT_RESOLVED = '; tmesc does not resolve host names: write the address, or define hosts NAME = ADDR';

/** The layers a `proto[offset:size]` load reads from. */
const LOAD_LAYERS: ReadonlySet<string> = new Set<LoadLayer>(LOAD_LAYER_NAMES);

/** Fields of the frame as captured, which inner(...) and geneve do not move: its length, its cooked header. */
const FRAME_FIELDS = new Set(['tap', 'linkType', 'wireLen', 'pktType', 'ifIndex']);

/**
 * IP protocol numbers that are IPv6 extension headers: tmesc's ip6 proto
 * walks past them to the protocol they lead to, so for these it asks
 * whether the header is on the way (pcap's protochain) instead.
 */
const IPV6_EXTENSIONS = new Set<number>([
  IPPROTO.HOPOPTS,
  IPPROTO.ROUTING,
  IPPROTO.FRAGMENT,
  IPPROTO.AH,
  IPPROTO.DSTOPTS,
  IPPROTO.MOBILITY,
]);

/** pcap's link-layer names all mean ether. */
function linkProto(word: string | undefined): string | undefined {
  return word !== undefined && LINK_ALIASES.has(word) ? 'ether' : word;
}

/** Arithmetic chains longer than this are regrouped into balanced trees where the operators allow (see arithChain). */
const BALANCE_CHAINS_FROM = 64;

/** A filter definition's lowered filter, per scope (outer fields, or inner ones inside `inner(...)`). */
interface Lowered {
  filter: PFilter;
  /** Past the depth limit: reported once at the definition; uses of it stay quiet. */
  poisoned?: boolean;
}

/** A definition another filter definition refers to, and whether the reference is inside `inner(...)`. */
interface FilterRef {
  decl: A.DefineDecl;
  inner: boolean;
}

/**
 * Lowers filter syntax to tests over packet fields with pcap-filter(7)'s
 * meanings, reporting every bad value, unknown name and misplaced qualifier.
 * A primitive that cannot be lowered becomes FALSE after its diagnostic, so
 * one bad primitive does not hide the rest.
 */
export class FilterLowering {
  private scope: Scope = 'outer';
  /**
   * Whether `geneve` moves what follows it, as in pcap: in a filter without
   * inner(...). One that uses inner(...) says itself what reads the inner
   * packet, and there geneve is a tunnel test like vxlan.
   */
  private geneveMoves = true;
  private readonly geneveChecked = new Set<A.DefineDecl>();
  /** pcap-filter's qualifier inheritance: `host a or b` repeats `host` for b. */
  private last: A.QualifiedFilter | undefined;
  /** Builds the lowered filters, sharing what is equal. */
  readonly dag = new FilterDag();
  private readonly filterDefs = new Map<A.DefineDecl, { outer?: Lowered; inner?: Lowered }>();
  /** Filter definitions being lowered: a reference back to one of them is a cycle. */
  private readonly resolving = new Set<string>();
  private readonly refsCache = new Map<A.DefineDecl, FilterRef[]>();
  private readonly portLists = new Map<A.DefineDecl, Ranges | undefined>();
  private readonly netLists = new Map<A.DefineDecl, NetEntry[] | undefined>();
  /** Depth of each arithmetic node built, for the nesting limit. */
  private readonly arithDepth = new WeakMap<PArith, number>();

  constructor(
    private readonly bag: Reporter<BuildCode>,
    private readonly sym: Symbols,
  ) {}

  /**
   * A rule's filter, lowered. Definitions are lowered once and shared, so the
   * result is a DAG (filter-dag.ts); its depth is held to MAX_EXPANDED_DEPTH.
   */
  lower(f: A.Filter): PFilter {
    this.last = undefined;
    this.scope = 'outer';
    this.geneveMoves = !usesInner(f);
    if (this.geneveMoves) this.checkGeneveReach(f);
    const out = this.filter(f);
    const depth = this.dag.depth(out);
    if (depth > MAX_EXPANDED_DEPTH) {
      this.bag.add(
        'TMES0800',
        f.span,
        `with the filter definitions it uses expanded, this filter nests ${depth} levels deep; the limit is ${MAX_EXPANDED_DEPTH}`,
      );
      return FALSE;
    }
    return out;
  }

  private field(name: string): string {
    return this.scope === 'inner' && !FRAME_FIELDS.has(name) ? `inner.${name}` : name;
  }
  private t(name: string, ranges: Ranges): PFilter {
    return this.dag.test(this.field(name), ranges);
  }
  private eq(name: string, v: number): PFilter {
    return this.dag.eq(this.field(name), v);
  }
  private and(...args: PFilter[]): PFilter {
    return this.dag.and(args);
  }
  private or(...args: PFilter[]): PFilter {
    return this.dag.or(args);
  }
  private not(arg: PFilter): PFilter {
    return this.dag.not(arg);
  }

  private filter(f: A.Filter): PFilter {
    switch (f.kind) {
      case 'And':
      case 'Or': {
        // left to right: qualifier inheritance (`host a or b`) follows the text
        const args: PFilter[] = [];
        for (const x of f.operands) args.push(this.filter(x));
        return f.kind === 'And' ? this.dag.and(args) : this.dag.or(args);
      }
      case 'Not':
        return this.not(this.filter(f.operand));
      case 'Paren':
        return this.filter(f.inner);
      case 'AnyFilter':
        return TRUE;
      case 'Fragment':
        return this.t('fragment', [[1, 2]]);
      case 'Proto':
        return this.proto(f.proto);
      case 'Qualified':
        this.last = f;
        return this.qualified(f, f.value);
      case 'Bare':
        return this.bare(f);
      case 'Cast':
        return this.cast(f);
      case 'TcpFlags':
        return this.tcpFlags(f);
      case 'Icmp':
        return this.icmp(f);
      case 'Tunnel':
        return this.tunnel(f);
      case 'Vlan': {
        if (f.label && !['id', 'priority', 'pri'].includes(f.label.name))
          return this.badWord(f.label.span, f.label.name, 'vlan test', ['id', 'priority']);
        const isPri = f.label && f.label.name !== 'id';
        if (!f.value)
          return isPri ? this.missing(f.span, 'vlan priority needs a number') : this.t('vlanCount', [[1, 15]]);
        const r = this.numberRanges(f.value, isPri ? 7 : 4095, 'TMES0301', isPri ? 'VLAN priority' : 'VLAN id');
        return r ? this.t(isPri ? 'vlanPri0' : 'vlan0', r) : FALSE;
      }
      case 'Mpls': {
        if (!f.value) return this.t('mplsCount', [[1, 15]]);
        const r = this.numberRanges(f.value, 0xfffff, 'TMES0302', 'MPLS label');
        return r ? this.t('mpls0', r) : FALSE;
      }
      case 'Pppoe': {
        if (f.discovery) return this.eq('etherType', ETHERTYPE.PPPOE_DISCOVERY);
        if (!f.value) return this.t('pppoeSession', [[0, 0xffff]]);
        const r = this.numberRanges(f.value, 0xffff, 'TMES0307', 'PPPoE session id');
        return r ? this.t('pppoeSession', r) : FALSE;
      }
      case 'Length':
        if (!this.fits32(f.value)) return FALSE;
        return f.op === 'less'
          ? this.t('wireLen', [[0, f.value.value]])
          : this.t('wireLen', [[f.value.value, fieldInfo('wireLen').max]]);
      case 'Inner': {
        if (this.scope === 'inner') return this.filter(f.filter);
        this.scope = 'inner';
        const saved = this.last;
        this.last = undefined;
        try {
          return this.filter(f.filter);
        } finally {
          this.scope = 'outer';
          this.last = saved;
        }
      }
      case 'Payload':
        return this.payload(f);
      case 'Relation':
        return this.relation(f);
      case 'Pcap':
        return this.pcap(f);
    }
  }

  /**
   * One of pcap-filter's primitives that are names in tmesc. Alone, the word
   * may still be a value: the name of a definition, or a protocol name that
   * inherits `proto` from the primitive before it (`proto ospf or pim`).
   */
  private pcap(f: A.PcapFilter): PFilter {
    const word = f.keyword.word;
    if (!f.proto && f.args.length === 0 && (this.sym.defines.has(word) || this.last?.type === 'proto'))
      return this.bare({ kind: 'Bare', value: { kind: 'Ident', name: word, span: f.keyword.span }, span: f.span });
    const context: PcapContext = {
      ...this.fieldTests,
      bag: this.bag,
      scope: this.scope,
      frame: (name, ranges) => this.dag.test(name, ranges),
      ipProtocol: (v) => this.ipProtocol(v),
      ipProto: (family, n) => this.ipProto(family, n),
    };
    return lowerPcapPrimitive(context, f);
  }

  /**
   * libpcap moves the tests after `geneve` into the Geneve payload by
   * setting offsets when the geneve test passes. A test after it that is
   * reached when it failed (through `or`, or a `not` around it) reads
   * offsets never set: tcpdump's answer there is undefined, so the filter
   * is refused (TMES0341) with the way to say it in tmesc.
   */
  private checkGeneveReach(f: A.Filter): void {
    const reported = new Set<A.TunnelFilter>();
    const walk = (n: A.Filter): { geneve?: A.TunnelFilter; necessary: boolean } => {
      switch (n.kind) {
        case 'Tunnel':
          return n.tunnel.word === 'geneve' ? { geneve: n, necessary: true } : { necessary: false };
        case 'Paren':
          return walk(n.inner);
        case 'Not':
          return { geneve: walk(n.operand).geneve, necessary: false };
        case 'And':
        case 'Or': {
          let acc = walk(n.operands[0]);
          for (let i = 1; i < n.operands.length; i++) {
            // what follows the operator also runs when what came before is true without geneve
            if (acc.geneve && (n.kind === 'Or' || !acc.necessary) && !reported.has(acc.geneve)) {
              reported.add(acc.geneve);
              this.bag.add(
                'TMES0341',
                acc.geneve.span,
                `in pcap-filter, what follows geneve reads the Geneve payload, but here the tests after it also run on packets that are not Geneve (through 'or' or 'not'), where tcpdump reads offsets it never set; say which tests read the payload with inner(...), as in geneve and inner(tcp) or udp`,
                { related: [{ message: 'the tests after this operator run without geneve', span: n.opSpans[i - 1] }] },
              );
            }
            const next = walk(n.operands[i]);
            acc = {
              geneve: acc.geneve ?? next.geneve,
              necessary: n.kind === 'And' ? acc.necessary || next.necessary : acc.necessary && next.necessary,
            };
          }
          return acc;
        }
        default:
          return { necessary: false };
      }
    };
    walk(f);
  }

  // ---- diagnostics helpers
  private missing(span: Span, message: string): PFilter {
    this.bag.add('TMES0322', span, message);
    return FALSE;
  }
  private badWord(span: Span, word: string, what: string, accepted: readonly string[]): PFilter {
    unknownWord(this.bag, span, word, what, accepted);
    return FALSE;
  }
  private qualifierError(span: Span, message: string): PFilter {
    this.bag.add('TMES0309', span, message);
    return FALSE;
  }

  // ---- numbers
  /** A number or a-b range checked against [0, max]; undefined after a diagnostic. */
  /**
   * A number in pcap arithmetic (comparisons, loads' offsets, less and greater) is unsigned 32-bit, as BPF's:
   * a larger one would be taken modulo 2^32 at run time and compared unwrapped where the graph tests a field,
   * so it is refused, as tcpdump refuses it ("number ... overflows 32 bits").
   */
  private fits32(v: A.NumberLit): boolean {
    if (v.value <= 0xffffffff) return true;
    this.bag.add(
      'TMES0307',
      v.span,
      `${v.text} is out of range (0 to 4294967295): filter arithmetic is unsigned 32-bit, as pcap's`,
    );
    return false;
  }

  private numberRanges(v: A.Value, max: number, code: BuildCode, what: string): Ranges | undefined {
    if (v.kind === 'Number') {
      if (!Number.isInteger(v.value) || v.value < 0 || v.value > max) {
        this.bag.add(code, v.span, `${what} ${v.text} is out of range (0 to ${max})`);
        return undefined;
      }
      return [[v.value, v.value]];
    }
    if (v.kind === 'Range') {
      const lo = this.numberRanges(v.lo, max, code, what);
      const hi = this.numberRanges(v.hi, max, code, what);
      if (!lo || !hi) return undefined;
      if (v.lo.value > v.hi.value) {
        this.bag.add(
          code,
          v.span,
          `${what} range ${v.lo.text}-${v.hi.text} is reversed; write ${v.hi.text}-${v.lo.text}`,
        );
        return undefined;
      }
      return [[v.lo.value, v.hi.value]];
    }
    this.bag.add('TMES0307', v.span, `${what} must be a number`);
    return undefined;
  }

  // ---- protocols
  private proto(w: A.Word): PFilter {
    const p = w.word;
    if (p in ETHER_OF) return this.eq('etherType', ETHER_OF[p]);
    if (p in PROTO_NUM) return this.eq('ipProto', PROTO_NUM[p]);
    if (p === 'ether') return this.t('ethDst', [[0, fieldInfo('ethDst').max]]);
    return this.qualifierError(w.span, `'${p}' needs a test after it`);
  }

  private ipFamilyGuard(proto: string | undefined): PFilter {
    return proto && proto in ETHER_OF ? this.eq('etherType', ETHER_OF[proto]) : TRUE;
  }

  // ---- [proto] [dir] [type] value
  private bare(f: A.BareFilter): PFilter {
    const v = f.value;
    if (v.kind === 'Ident') {
      const s = this.sym.defines.get(v.name);
      if (s?.kind === 'filter') return this.filterRef(v);
    }
    if (this.last) return this.qualified(this.last, v);
    return this.qualified({ kind: 'Qualified', value: v, span: f.span }, v);
  }

  private filterRef(v: A.Ident): PFilter {
    const s = this.sym.define(v)!;
    const done = this.filterDefs.get(s.decl)?.[this.scope];
    if (done) return done.filter;
    if (this.resolving.has(resolvingKey(s.decl, this.scope))) {
      this.bag.add('TMES0211', v.span, `filter '${v.name}' refers to itself`);
      return FALSE;
    }
    return this.resolveFilterDefinition(s.decl, this.scope).filter;
  }

  /**
   * Lowers a filter definition, and first every filter definition it uses,
   * deepest first, with an explicit stack: lowering a definition's body then
   * finds each definition it names already lowered, so a chain of definitions
   * of any length costs no recursion. Each (definition, scope) is lowered once.
   */
  private resolveFilterDefinition(root: A.DefineDecl, scope: Scope): Lowered {
    const stack: { decl: A.DefineDecl; scope: Scope }[] = [{ decl: root, scope }];
    while (stack.length) {
      const top = stack[stack.length - 1];
      if (this.filterDefs.get(top.decl)?.[top.scope]) {
        stack.pop();
        continue;
      }
      const key = resolvingKey(top.decl, top.scope);
      if (!this.resolving.has(key)) {
        // first visit: its definitions go first (a cycle is left for the body to report)
        this.resolving.add(key);
        for (const ref of this.filterRefsOf(top.decl)) {
          const s = ref.inner ? 'inner' : top.scope;
          if (!this.filterDefs.get(ref.decl)?.[s] && !this.resolving.has(resolvingKey(ref.decl, s)))
            stack.push({ decl: ref.decl, scope: s });
        }
        continue;
      }
      const lowered = this.lowerDefinitionBody(top.decl, top.scope);
      this.resolving.delete(key);
      const entry = this.filterDefs.get(top.decl) ?? {};
      entry[top.scope] = lowered;
      this.filterDefs.set(top.decl, entry);
      stack.pop();
    }
    return this.filterDefs.get(root)![scope]!;
  }

  private lowerDefinitionBody(decl: A.DefineDecl, scope: Scope): Lowered {
    if (!decl.filter) return { filter: FALSE };
    const saved = { scope: this.scope, last: this.last, geneveMoves: this.geneveMoves };
    this.scope = scope;
    this.last = undefined;
    // a definition is a unit: a geneve inside it moves only the rest of the definition
    this.geneveMoves = !usesInner(decl.filter);
    if (this.geneveMoves && !this.geneveChecked.has(decl)) {
      this.geneveChecked.add(decl);
      this.checkGeneveReach(decl.filter);
    }
    try {
      const f = this.dag.share(this.filter(decl.filter));
      // a definition built on one past the limit is past it too (reported there once), whatever FALSE made of it
      if (this.filterRefsOf(decl).some((r) => this.filterDefs.get(r.decl)?.[r.inner ? 'inner' : scope]?.poisoned))
        return { filter: FALSE, poisoned: true };
      const depth = this.dag.depth(f);
      if (depth <= MAX_EXPANDED_DEPTH) return { filter: f };
      let through: A.DefineDecl | undefined;
      let deepest = 0;
      for (const ref of this.filterRefsOf(decl)) {
        const used = this.filterDefs.get(ref.decl)?.[ref.inner ? 'inner' : scope];
        const d = used && !used.poisoned ? this.dag.depth(used.filter) : 0;
        if (d > deepest) [deepest, through] = [d, ref.decl];
      }
      this.bag.add(
        'TMES0800',
        decl.name.span,
        `filter '${decl.name.name}' nests ${depth} levels deep with the definitions it uses expanded${through ? ` (through '${through.name.name}', ${deepest} deep)` : ''}; the limit is ${MAX_EXPANDED_DEPTH}`,
      );
      return { filter: FALSE, poisoned: true };
    } finally {
      this.scope = saved.scope;
      this.last = saved.last;
      this.geneveMoves = saved.geneveMoves;
    }
  }

  /** The filter definitions a definition's body names, found once per definition, without recursion. */
  private filterRefsOf(decl: A.DefineDecl): FilterRef[] {
    const cached = this.refsCache.get(decl);
    if (cached) return cached;
    const refs: FilterRef[] = [];
    const todo: { f: A.Filter; inner: boolean }[] = decl.filter ? [{ f: decl.filter, inner: false }] : [];
    while (todo.length) {
      const { f, inner } = todo.pop()!;
      switch (f.kind) {
        case 'And':
        case 'Or':
          for (const x of f.operands) todo.push({ f: x, inner });
          break;
        case 'Not':
          todo.push({ f: f.operand, inner });
          break;
        case 'Paren':
          todo.push({ f: f.inner, inner });
          break;
        case 'Inner':
          todo.push({ f: f.filter, inner: true });
          break;
        case 'Bare':
          if (f.value.kind === 'Ident') {
            const s = this.sym.defines.get(f.value.name);
            if (s?.kind === 'filter') refs.push({ decl: s.decl, inner });
          }
          break;
      }
    }
    this.refsCache.set(decl, refs);
    return refs;
  }

  private qualified(q: A.QualifiedFilter, v: A.Value): PFilter {
    const proto = linkProto(q.proto?.word);
    if (v.kind === 'Ident' && !this.sym.defines.has(v.name) && isBareMac(v.name))
      v = { kind: 'Mac', text: v.name, span: v.span };
    let type = q.type;
    if (!type && v.kind === 'Number' && v.text.includes('.')) type = 'host';
    if (!type) {
      if (v.kind === 'Ident') {
        const s = this.sym.defines.get(v.name);
        if (s?.kind === 'filter')
          return this.qualifierError(v.span, `'${v.name}' is a filter; it cannot take qualifiers`);
        type = s
          ? ({ net: 'net', ports: 'port', hosts: 'host', macs: 'host' } as const)[s.kind as 'net']
          : SERVICES[v.name] !== undefined
            ? 'port'
            : 'host';
        if (s && !type) {
          this.sym.wrongKind(v.span, v.name, s.kind, 'an address or port');
          return FALSE;
        }
      } else if (v.kind === 'Number' || v.kind === 'Range') {
        this.bag.add(
          'TMES0309',
          v.span,
          `a bare number needs a qualifier: port ${v.kind === 'Number' ? v.text : ''}, proto, vlan, ...`.replace(
            '  ',
            ' ',
          ),
        );
        return FALSE;
      } else type = (v.kind === 'Ipv4' || v.kind === 'Ipv6') && v.text.includes('/') ? 'net' : 'host';
    }
    switch (type) {
      case 'host':
      case 'net':
        if (
          proto === 'ether' ||
          v.kind === 'Mac' ||
          (v.kind === 'Ident' && this.sym.defines.get(v.name)?.kind === 'macs')
        )
          return this.etherHost(q, v, type);
        if (proto && !(proto in ETHER_OF))
          return this.qualifierError(q.proto!.span, `'${proto}' does not go with '${type}'; use ip, ip6, arp or rarp`);
        return this.address(q, v, type);
      case 'port':
      case 'portrange': {
        if (proto && !['tcp', 'udp', 'sctp'].includes(proto))
          return this.qualifierError(
            q.proto!.span,
            `'${proto}' does not go with '${type}'; ports belong to tcp, udp and sctp`,
          );
        if (q.netmask) return this.qualifierError(q.netmask.span, `'mask' goes with net only`);
        const r = this.ports(v, type);
        if (!r) return FALSE;
        return this.and(proto ? this.eq('ipProto', PROTO_NUM[proto]) : TRUE, this.direct(q, 'srcPort', 'dstPort', r));
      }
      case 'proto':
        return this.protoValue(q, v);
    }
  }

  private direct(q: A.QualifiedFilter, srcField: string, dstField: string, r: Ranges): PFilter {
    return this.byDirection(q.dir, this.t(srcField, r), this.t(dstField, r));
  }

  /** pcap's direction qualifiers: no qualifier means either end. */
  private byDirection(dir: A.Direction | undefined, src: PFilter, dst: PFilter): PFilter {
    switch (dir) {
      case 'src':
        return src;
      case 'dst':
        return dst;
      case 'src and dst':
        return this.and(src, dst);
      default:
        return this.or(src, dst);
    }
  }

  private ports(v: A.Value, type: 'port' | 'portrange'): Ranges | undefined {
    if (v.kind === 'Number' || v.kind === 'Range') return this.numberRanges(v, 65535, 'TMES0300', 'port');
    if (v.kind === 'Word' && SERVICES[v.word] !== undefined) return [[SERVICES[v.word], SERVICES[v.word]]];
    if (v.kind === 'Ident') {
      const s = this.sym.define(v);
      if (s) {
        if (s.kind !== 'ports') {
          this.sym.wrongKind(v.span, v.name, s.kind, 'a port list');
          return undefined;
        }
        return this.portList(s.decl);
      }
      if (SERVICES[v.name] !== undefined) return [[SERVICES[v.name], SERVICES[v.name]]];
      this.sym.unknown('port name', v, [...this.sym.defines.keys(), ...Object.keys(SERVICES)]);
      return undefined;
    }
    if (v.kind === 'Word') {
      // a keyword or pcap's \name that is not a service tmesc knows
      this.badWord(v.span, v.word, 'port name', Object.keys(SERVICES));
      return undefined;
    }
    this.bag.add('TMES0300', v.span, `${type} needs a port number, a range a-b or a port name`);
    return undefined;
  }

  /** The ports of a `define ports`, with the port lists it names; undefined after a diagnostic. */
  portList(d: A.DefineDecl): Ranges | undefined {
    if (this.portLists.has(d)) return this.portLists.get(d);
    const leaves = this.listClosure(d, (k) => k === 'ports', 'a port list');
    let out: Ranges | undefined = leaves ? [] : undefined;
    for (const { value } of leaves ?? []) {
      const r = this.ports(value, 'port');
      if (!r) out = undefined;
      else if (out) for (const x of r) out.push(x);
    }
    this.portLists.set(d, out);
    return out;
  }

  /**
   * Checks a list definition's own values without expanding the lists it
   * names (each of those is checked on its own): what checking an unused
   * definition needs, at the cost of its length, so a long chain of unused
   * definitions is not expanded once per link.
   */
  checkList(d: A.DefineDecl, kind: 'ports' | 'net' | 'hosts'): void {
    for (const v of d.values ?? []) {
      const s = v.kind === 'Ident' ? this.sym.define(v) : undefined;
      if (s && v.kind === 'Ident') {
        const fits = kind === 'ports' ? s.kind === 'ports' : s.kind === 'net' || s.kind === 'hosts';
        if (!fits)
          this.sym.wrongKind(v.span, v.name, s.kind, kind === 'ports' ? 'a port list' : 'a network or host list');
      } else if (kind === 'ports') this.ports(v, 'port');
      else this.netEntries(v, kind === 'hosts' ? 'host' : 'net');
    }
  }

  /**
   * The values a list definition stands for: its own, and those of the lists
   * it names, each list once however often it is named (so a chain or a
   * diamond of definitions costs its size, never its expansion), found with an
   * explicit stack. Each value comes with the kind of the list that holds it.
   * undefined when a name is of the wrong kind or leads back to a list being
   * expanded (both reported).
   */
  private listClosure(
    root: A.DefineDecl,
    accepts: (k: DefineKind) => boolean,
    expected: string,
  ): { value: A.Value; owner: DefineKind }[] | undefined {
    const out: { value: A.Value; owner: DefineKind }[] = [];
    let ok = true;
    const state = new Map<A.DefineDecl, 'open' | 'done'>([[root, 'open']]);
    const stack: { decl: A.DefineDecl; next: number }[] = [{ decl: root, next: 0 }];
    while (stack.length) {
      const top = stack[stack.length - 1];
      const values = top.decl.values ?? [];
      if (top.next >= values.length) {
        state.set(top.decl, 'done');
        stack.pop();
        continue;
      }
      const v = values[top.next++];
      const s = v.kind === 'Ident' ? this.sym.define(v) : undefined;
      if (v.kind !== 'Ident' || !s) {
        out.push({ value: v, owner: DEFINE_KINDS[top.decl.defKind.word] ?? 'net' });
        continue;
      }
      if (!accepts(s.kind)) {
        this.sym.wrongKind(v.span, v.name, s.kind, expected);
        ok = false;
      } else if (state.get(s.decl) === 'open') {
        this.bag.add('TMES0211', v.span, `'${v.name}' refers to itself`);
        ok = false;
      } else if (!state.has(s.decl)) {
        state.set(s.decl, 'open');
        stack.push({ decl: s.decl, next: 0 });
      }
    }
    return ok ? out : undefined;
  }

  /** The networks of a value: a literal, or a net/hosts definition. */
  netEntries(v: A.Value, type: 'host' | 'net'): NetEntry[] | undefined {
    if (v.kind === 'Number') {
      const p = shortNet(v.text, type);
      if (!p) return this.invalid(v, `IPv4 ${type === 'net' ? 'network' : 'address'}`);
      return [{ family: 4, v4: [p.addr, p.addr + 2 ** (32 - p.len) - 1] }];
    }
    if (v.kind === 'HostName') {
      this.hostName(v, type === 'net' ? 'network' : 'host');
      return undefined;
    }
    if (v.kind === 'Ipv4') {
      const p = parseIpv4(v.text);
      if (!p) return this.invalid(v, 'IPv4 address');
      if (type === 'host' && v.text.includes('/'))
        return this.qualifierError(v.span, `host takes a single address; use net for ${v.text}`) && undefined;
      if (p.hostBits) {
        const fixed = `${formatIpv4(ipv4Network(p))}/${p.len}`;
        this.bag.add('TMES0305', v.span, `${v.text} has host bits set; the network is ${fixed}`, {
          fix: { message: `replace with ${fixed}`, span: v.span, text: fixed },
        });
        return undefined;
      }
      const size = 2 ** (32 - p.len);
      return [{ family: 4, v4: [p.addr, p.addr + size - 1] }];
    }
    if (v.kind === 'Ipv6') {
      const p = parseIpv6(v.text);
      if (!p) return this.invalid(v, 'IPv6 address');
      if (type === 'host' && v.text.includes('/'))
        return this.qualifierError(v.span, `host takes a single address; use net for ${v.text}`) && undefined;
      if (p.hostBits) {
        this.bag.add('TMES0305', v.span, `${v.text} has host bits set beyond /${p.len}`);
        return undefined;
      }
      return [{ family: 6, v6: { words: p.words, len: p.len } }];
    }
    if (v.kind === 'Ident') {
      const s = this.sym.define(v);
      if (!s) {
        // no definition near it: a misspelt filter word (`tpc` is read as `host tpc`) rather than a host name
        const defines = [...this.sym.defines.keys()];
        const word = didYouMean(v.name, defines) === undefined ? didYouMean(v.name, FILTER_VOCABULARY) : undefined;
        if (word !== undefined && word !== v.name) this.sym.unknown('name', v, [word]);
        else this.sym.unknown('name', v, defines, NOT_RESOLVED);
        return undefined;
      }
      if (s.kind !== 'net' && s.kind !== 'hosts') {
        this.sym.wrongKind(v.span, v.name, s.kind, 'a network or host list');
        return undefined;
      }
      if (this.netLists.has(s.decl)) return this.netLists.get(s.decl);
      const leaves = this.listClosure(s.decl, (k) => k === 'net' || k === 'hosts', 'a network or host list');
      let out: NetEntry[] | undefined = leaves ? [] : undefined;
      for (const { value, owner } of leaves ?? []) {
        // a leaf is a literal or an unknown name: no further definitions to follow
        const e = this.netEntries(value, owner === 'hosts' ? 'host' : 'net');
        if (!e) out = undefined;
        else if (out) for (const x of e) out.push(x);
      }
      this.netLists.set(s.decl, out);
      return out;
    }
    this.bag.add('TMES0307', v.span, `expected an address or network`);
    return undefined;
  }

  /** A host or network name: tmesc resolves none (TMES0340). */
  private hostName(v: A.HostNameLit, what: 'host' | 'network' | 'Ethernet host'): void {
    const write =
      what === 'Ethernet host'
        ? `write the MAC address (ether host 00:1b:21:3a:4f:5c), or define macs NAME = ... and write ether host NAME`
        : what === 'network'
          ? `write the network (net 192.0.2.0/24), or define net NAME = ... and write net NAME`
          : `write the address (host 192.0.2.10), or define hosts NAME = ... and write host NAME`;
    this.bag.add(
      'TMES0340',
      v.span,
      `'${v.text}' is ${what === 'Ethernet host' ? 'an' : 'a'} ${what} name, and tmesc does not resolve names when it compiles a policy; ${write}`,
    );
  }

  private invalid(v: A.Value, what: string): undefined {
    this.bag.add('TMES0011', v.span, `'${'text' in v ? v.text : ''}' is not a valid ${what}`);
    return undefined;
  }

  private address(q: A.QualifiedFilter, v: A.Value, type: 'host' | 'net'): PFilter {
    let entries = this.netEntries(v, type);
    if (!entries) return FALSE;
    if (q.netmask) {
      const m = parseIpv4(q.netmask.text, false);
      const bits = m ? 32 - Math.log2(2 ** 32 - m.addr) : NaN;
      if (!m || !Number.isInteger(bits) || entries.length !== 1 || entries[0].family !== 4) {
        this.bag.add(
          'TMES0011',
          q.netmask.span,
          `'${q.netmask.text}' is not a contiguous IPv4 netmask for this network`,
        );
        return FALSE;
      }
      const base = entries[0].v4![0];
      const net = (base & m.addr) >>> 0;
      if (net !== base) {
        this.bag.add(
          'TMES0305',
          v.span,
          `${formatIpv4(base)} has host bits set under mask ${q.netmask.text}; the network is ${formatIpv4(net)}`,
        );
        return FALSE;
      }
      entries = [{ family: 4, v4: [net, net + 2 ** (32 - bits) - 1] }];
    }
    const proto = q.proto?.word;
    const want: Family | undefined =
      proto === 'ip6' ? 6 : proto === 'ip' || proto === 'arp' || proto === 'rarp' ? 4 : undefined;
    if (want) {
      const wrong = entries.filter((e) => e.family !== want);
      if (wrong.length === entries.length || v.kind !== 'Ident' ? wrong.length > 0 : false) {
        this.bag.add(
          'TMES0306',
          v.span,
          `${want === 6 ? 'IPv4' : 'IPv6'} ${type} in an ${proto} test can never match; use an IPv${want} ${type === 'host' ? 'address' : 'network'} or drop '${proto}'`,
        );
        return FALSE;
      }
      entries = entries.filter((e) => e.family === want);
    }
    const v4 = entries.filter((e) => e.family === 4).map((e) => e.v4!);
    const parts: PFilter[] = [];
    if (v4.length) parts.push(this.direct(q, 'ip4Src', 'ip4Dst', v4));
    for (const e of entries) if (e.family === 6) parts.push(this.ip6Test(q, e.v6!));
    return this.and(this.ipFamilyGuard(proto), this.dag.or(parts));
  }

  /** An IPv6 prefix is a conjunction of per-word intervals: exact words, one partial word, then anything. */
  private ip6Prefix(prefix: 'ip6Src' | 'ip6Dst', p: { words: number[]; len: number }): PFilter {
    const tests: PFilter[] = [];
    for (let i = 0; i < 4; i++) {
      const bits = Math.max(0, Math.min(32, p.len - 32 * i));
      if (bits === 0) {
        if (i === 0) tests.push(this.t(`${prefix}0`, [FULL32]));
        break;
      }
      const span = 2 ** (32 - bits);
      tests.push(this.t(`${prefix}${i}`, [[p.words[i], p.words[i] + span - 1]]));
    }
    return this.dag.and(tests);
  }

  private ip6Test(q: A.QualifiedFilter, p: { words: number[]; len: number }): PFilter {
    return this.byDirection(q.dir, this.ip6Prefix('ip6Src', p), this.ip6Prefix('ip6Dst', p));
  }

  private etherHost(q: A.QualifiedFilter, v: A.Value, type: 'host' | 'net'): PFilter {
    if (type === 'net') return this.qualifierError(q.typeSpan ?? v.span, `'ether net' does not exist; use ether host`);
    const macs: number[] = [];
    if (v.kind === 'HostName') {
      this.hostName(v, 'Ethernet host');
      return FALSE;
    }
    if (v.kind === 'Mac') {
      const m = parseMac(v.text);
      if (m === undefined) return this.invalid(v, 'MAC address') ?? FALSE;
      macs.push(m);
    } else if (v.kind === 'Ident') {
      const s = this.sym.define(v);
      if (!s) {
        this.sym.unknown(
          'name',
          v,
          this.sym.defines.keys(),
          '; tmesc does not read /etc/ethers: write the MAC address, or define macs NAME = MAC',
        );
        return FALSE;
      }
      if (s.kind !== 'macs') {
        this.sym.wrongKind(v.span, v.name, s.kind, 'a MAC address list');
        return FALSE;
      }
      for (const x of s.decl.values ?? []) {
        const m =
          x.kind === 'Mac' ? parseMac(x.text) : x.kind === 'Ident' && isBareMac(x.name) ? parseMac(x.name) : undefined;
        if (m === undefined) {
          this.bag.add('TMES0011', x.span, `expected a MAC address`);
          return FALSE;
        }
        macs.push(m);
      }
    } else {
      this.bag.add('TMES0011', v.span, `ether host needs a MAC address (aa:bb:cc:dd:ee:ff)`);
      return FALSE;
    }
    return this.direct(
      q,
      'ethSrc',
      'ethDst',
      macs.map((m) => [m, m]),
    );
  }

  private protoValue(q: A.QualifiedFilter, v: A.Value): PFilter {
    const proto = linkProto(q.proto?.word);
    if (q.dir) return this.qualifierError(q.dirSpan!, `'${q.dir}' does not go with proto`);
    if (proto === 'ether') {
      const n = this.etherTypeValue(v);
      return n === undefined ? FALSE : etherProto(this.fieldTests, n);
    }
    if (proto && proto !== 'ip' && proto !== 'ip6')
      return this.qualifierError(
        q.proto!.span,
        `'${proto} proto' does not exist; use ip proto, ip6 proto or ether proto`,
      );
    const n = this.ipProtocol(v);
    return n === undefined ? FALSE : this.ipProto(proto, n);
  }

  private readonly fieldTests: FieldTests = {
    t: (name, ranges) => this.t(name, ranges),
    eq: (name, v) => this.eq(name, v),
    and: (...args) => this.and(...args),
    or: (...args) => this.or(...args),
    pred: (p) => this.dag.pred(p),
  };

  /** An EtherType (or pcap's LLC SAP) by number or name; undefined after a diagnostic. */
  private etherTypeValue(v: A.Value): number | undefined {
    let n: number | undefined;
    if (v.kind === 'Number') n = v.value;
    else if (v.kind === 'Word' || v.kind === 'Ident') {
      const name = v.kind === 'Word' ? v.word : v.name;
      n = ETHER_PROTO_NAMES[name] ?? ETHER_TYPES[name];
      if (n === undefined) {
        this.badWord(v.span, name, 'ethertype', [...Object.keys(ETHER_TYPES), ...Object.keys(ETHER_PROTO_NAMES)]);
        return undefined;
      }
    } else {
      this.qualifierError(v.span, `proto takes a number or a protocol name`);
      return undefined;
    }
    if (!Number.isInteger(n) || n < 0 || n > 0xffff) {
      this.bag.add('TMES0307', v.span, `protocol ${n} is out of range (0 to 65535)`);
      return undefined;
    }
    return n;
  }

  /** An IP protocol by number or name; undefined after a diagnostic. */
  private ipProtocol(v: A.Value): number | undefined {
    let n: number | undefined;
    if (v.kind === 'Number') n = v.value;
    else if (v.kind === 'Word' || v.kind === 'Ident') {
      const name = v.kind === 'Word' ? v.word : v.name;
      n = IP_PROTOCOLS[name];
      if (n === undefined) {
        this.badWord(v.span, name, 'IP protocol', Object.keys(IP_PROTOCOLS));
        return undefined;
      }
    } else {
      this.qualifierError(v.span, `proto takes a number or a protocol name`);
      return undefined;
    }
    if (!Number.isInteger(n) || n < 0 || n > 255) {
      this.bag.add('TMES0307', v.span, `protocol ${n} is out of range (0 to 255)`);
      return undefined;
    }
    return n;
  }

  /**
   * `ip proto N`, `ip6 proto N` and `proto N` (family undefined): the
   * protocol at the end of the IP header chain, or, for an IPv6 extension
   * header's number, the header on the way there.
   */
  private ipProto(family: string | undefined, n: number): PFilter {
    if (!IPV6_EXTENSIONS.has(n)) return this.and(this.ipFamilyGuard(family), this.eq('ipProto', n));
    const v4 = this.and(this.eq('etherType', ETHERTYPE.IPV4), this.eq('ipProto', n));
    const v6 = this.and(
      this.eq('etherType', ETHERTYPE.IPV6),
      this.dag.pred({ kind: 'protochain', scope: this.scope, family: 6, proto: n }),
    );
    return family === 'ip' ? v4 : family === 'ip6' ? v6 : this.or(v4, v6);
  }

  private cast(f: A.CastFilter): PFilter {
    const p = linkProto(f.proto?.word);
    if (!p || p === 'ether')
      return f.cast === 'broadcast' ? this.eq('ethDst', 0xffffffffffff) : this.eq('ethMulticast', 1);
    // ip multicast is pcap's ip[16] >= 224: class D and everything above it
    if (p === 'ip')
      return f.cast === 'broadcast'
        ? this.and(this.eq('etherType', ETHERTYPE.IPV4), this.eq('ip4Dst', 0xffffffff))
        : this.and(this.eq('etherType', ETHERTYPE.IPV4), this.t('ip4Dst', [[0xe0000000, 0xffffffff]]));
    if (p === 'ip6' && f.cast === 'multicast')
      return this.and(this.eq('etherType', ETHERTYPE.IPV6), this.t('ip6Dst0', [[0xff000000, 0xffffffff]]));
    return this.qualifierError(
      f.span,
      `'${p} ${f.cast}' does not exist; use ether, ip${f.cast === 'multicast' ? ' or ip6' : ''}`,
    );
  }

  private tcpFlags(f: A.TcpFlagsFilter): PFilter {
    if (f.proto.word !== 'tcp') return this.qualifierError(f.proto.span, `flags belong to tcp, not ${f.proto.word}`);
    let mask = 0;
    for (const fl of f.flags) {
      const bit = TCP_FLAGS[fl.name.toLowerCase()];
      if (bit === undefined) return this.badWord(fl.span, fl.name, 'TCP flag', Object.keys(TCP_FLAGS));
      mask |= bit;
    }
    return this.and(this.eq('ipProto', IPPROTO.TCP), this.t('tcpFlags', maskedByteRanges(mask, mask)));
  }

  private icmp(f: A.IcmpFilter): PFilter {
    const p = f.proto.word;
    if (p !== 'icmp' && p !== 'icmp6')
      return this.qualifierError(f.proto.span, `'${f.field}' belongs to icmp and icmp6, not ${p}`);
    const names = p === 'icmp' ? ICMP_TYPES : ICMP6_TYPES;
    let r: Ranges | undefined;
    if (f.value.kind === 'Ident') {
      const n = f.field === 'type' ? names[f.value.name] : undefined;
      if (n === undefined)
        return this.badWord(
          f.value.span,
          f.value.name,
          `${p} ${f.field}`,
          f.field === 'type' ? Object.keys(names) : [],
        );
      r = [[n, n]];
    } else r = this.numberRanges(f.value, 255, 'TMES0307', `${p} ${f.field}`);
    if (!r) return FALSE;
    return this.and(this.eq('ipProto', PROTO_NUM[p]), this.t(f.field === 'type' ? 'icmpType' : 'icmpCode', r));
  }

  private tunnel(f: A.TunnelFilter): PFilter {
    const test = this.tunnelTest(f);
    // pcap's geneve: what follows it in the filter reads the packet the tunnel carries
    if (f.tunnel.word === 'geneve' && this.scope === 'outer' && this.geneveMoves) this.scope = 'inner';
    return test;
  }

  private tunnelTest(f: A.TunnelFilter): PFilter {
    const kind = f.tunnel.word;
    const info = TUNNEL_LABELS[kind];
    if (f.label && !info.label.includes(f.label.name)) {
      return info.label.length
        ? this.badWord(f.label.span, f.label.name, `${kind} label`, info.label)
        : this.qualifierError(f.label.span, `${kind} takes no identifier`);
    }
    let kinds: number[];
    if (kind === 'tunnel') kinds = Object.values(TUNNEL).filter((x) => x !== 0);
    else if (kind === '6in4') kinds = [TUNNEL['6in4'], TUNNEL['6to4']];
    else if (kind === 'ipip') kinds = [TUNNEL.ipip, TUNNEL['6in4'], TUNNEL['6to4']];
    else kinds = [TUNNEL[kind as keyof typeof TUNNEL]];
    // pcap's geneve is Geneve to its port: the decoder also takes Geneve from port 6081, but not pcap
    const kt = this.and(
      this.t(
        'tunnel',
        kinds.map((k) => [k, k]),
      ),
      kind === 'geneve' ? this.eq('dstPort', UDP_PORT.GENEVE) : TRUE,
    );
    if (!f.value) return kt;
    if (info.bits === 0) return this.qualifierError(f.value.span, `${kind} has no identifier to test`);
    const r = this.numberRanges(f.value, 2 ** info.bits - 1, 'TMES0307', `${kind} ${info.label[0] ?? 'id'}`);
    return r ? this.and(kt, this.t('tunnelId', r)) : FALSE;
  }

  private payload(f: A.PayloadFilter): PFilter {
    if (f.op === 'contains') {
      const s = f.value as A.StringLit;
      if (s.value.length === 0) {
        this.bag.add('TMES0602', s.span, 'payload contains "" matches every packet; give the text to look for');
        return FALSE;
      }
      return this.dag.pred({ kind: 'contains', scope: this.scope, bytes: [...Buffer.from(s.value, 'utf8')] });
    }
    let source: string;
    let flags: string;
    let span: Span;
    if (f.value.kind === 'Regex') {
      source = f.value.source;
      flags = f.value.flags;
      span = f.value.span;
    } else if (f.value.kind === 'Ident') {
      const s = this.sym.define(f.value);
      if (!s) {
        this.sym.unknown('pattern', f.value, this.sym.defines.keys());
        return FALSE;
      }
      const re = s.decl.values?.[0];
      if (s.kind !== 'pattern') {
        this.sym.wrongKind(f.value.span, f.value.name, s.kind, 'a pattern');
        return FALSE;
      }
      if (s.decl.values?.length !== 1 || re?.kind !== 'Regex') {
        this.sym.failedQuietly++; // TMES0210, at the definition
        return FALSE;
      }
      return this.dag.pred({ kind: 'regex', scope: this.scope, source: re.source, flags: re.flags });
    } else return FALSE;
    const problem = checkPattern(source, flags);
    if (problem) {
      this.bag.add(problem.code, problemSpan(span, source, problem), problem.message);
      return FALSE;
    }
    return this.dag.pred({ kind: 'regex', scope: this.scope, source, flags });
  }

  // ---- relations
  private relation(f: A.RelationFilter): PFilter {
    const l = this.arith(f.left);
    const r = this.arith(f.right);
    if (!l || !r) return FALSE;
    const depth = Math.max(this.arithDepthOf(l), this.arithDepthOf(r));
    if (depth > MAX_NESTING) {
      this.bag.add(
        'TMES0040',
        f.span,
        `this comparison nests ${depth} levels deep; the limit is ${MAX_NESTING} (a chain of / % << or >> adds a level for each operator, where + - * & | ^ chains of any length do not)`,
      );
      return FALSE;
    }
    // A field against a constant is an interval test the graph can reason about.
    const simple = this.relationAsTest(l, f.op, r) ?? this.relationAsTest(r, flip(f.op), l);
    if (simple) return simple;
    return this.dag.pred({ kind: 'relation', scope: this.scope, op: f.op, left: l, right: r });
  }

  private relationAsTest(a: PArith, op: A.RelOp, b: PArith): PFilter | undefined {
    if (b.k !== 'num') return undefined;
    const field = a.k === 'len' ? 'wireLen' : a.k === 'field' ? a.field : undefined;
    if (!field) return undefined;
    const max = fieldInfo(field).max;
    const n = b.v;
    const clamp = (lo: number, hi: number): Ranges =>
      lo > hi || hi < 0 || lo > max ? [] : [[Math.max(0, lo), Math.min(max, hi)]];
    const ranges: Ranges =
      op === '=='
        ? clamp(n, n)
        : op === '!='
          ? [...clamp(0, n - 1), ...clamp(n + 1, max)]
          : op === '<'
            ? clamp(0, Math.ceil(n) - 1)
            : op === '<='
              ? clamp(0, Math.floor(n))
              : op === '>'
                ? clamp(Math.floor(n) + 1, max)
                : clamp(Math.ceil(n), max);
    return this.t(field, ranges);
  }

  private arith(a: A.Arith): PArith | undefined {
    switch (a.kind) {
      case 'Num':
        return this.fits32(a.value) ? { k: 'num', v: a.value.value } : undefined;
      case 'Len':
        return { k: 'len' };
      case 'Name': {
        const n = a.name.name;
        // pcap's other spelling of len
        if (n === 'length') return { k: 'len' };
        if (PCAP_CONSTANTS[n] !== undefined) return { k: 'num', v: PCAP_CONSTANTS[n] };
        if (RELATION_FIELDS[n]) return { k: 'field', field: RELATION_FIELDS[n] };
        this.sym.unknown('field or constant', a.name, [
          ...Object.keys(PCAP_CONSTANTS),
          ...Object.keys(RELATION_FIELDS),
        ]);
        return undefined;
      }
      case 'Access': {
        const layer = linkProto(a.proto.word)!;
        if (!LOAD_LAYERS.has(layer)) {
          const pcapLayer = UNSUPPORTED_LOADS.get(layer);
          if (pcapLayer)
            this.bag.add(
              'TMES0320',
              a.span,
              unsupportedMessage(`pcap-filter's load '${layer}[...]'`, pcapLayer) +
                ` (tmesc loads from ${[...LOAD_LAYERS].join(', ')})`,
            );
          else
            this.qualifierError(
              a.proto.span,
              `${layer}[...] is not supported; use one of ${[...LOAD_LAYERS].join(', ')}`,
            );
          return undefined;
        }
        const size = a.size ? a.size.value : 1;
        if (size !== 1 && size !== 2 && size !== 4) {
          this.bag.add('TMES0312', a.size!.span, `access size must be 1, 2 or 4, not ${a.size!.text}`);
          return undefined;
        }
        const offset = this.arith(a.offset);
        if (!offset) return undefined;
        if (offset.k === 'num' && offset.v < 0) {
          this.bag.add('TMES0312', a.offset.span, `offset must not be negative`);
          return undefined;
        }
        return this.arithNode({ k: 'load', layer: layer as LoadLayer, offset, size });
      }
      case 'ArithChain':
        return this.arithChain(a);
      case 'Neg': {
        const x = this.arith(a.operand);
        return x && this.arithNode({ k: 'neg', a: x });
      }
    }
  }

  /** Records a node's depth (leaves are 1). */
  private arithNode(a: PArith): PArith {
    const kids = a.k === 'bin' ? [a.l, a.r] : a.k === 'neg' ? [a.a] : a.k === 'load' ? [a.offset] : [];
    this.arithDepth.set(a, 1 + kids.reduce((m, k) => Math.max(m, this.arithDepthOf(k)), 0));
    return a;
  }
  private arithDepthOf(a: PArith): number {
    return this.arithDepth.get(a) ?? 1;
  }

  /**
   * A chain of one precedence level, left to right. Past BALANCE_CHAINS_FROM
   * operands a chain of + and - (as sums of negations), or of one of * & | ^,
   * is regrouped into a balanced tree: the same value in BPF's unsigned 32-bit
   * arithmetic, and a depth that grows with the logarithm of the length, so
   * the walks of later stages stay shallow. / % << >> do not regroup, and
   * their chains count toward the nesting limit (relation()).
   */
  private arithChain(a: A.ArithChain): PArith | undefined {
    const xs: (PArith | undefined)[] = [];
    for (const o of a.operands) xs.push(this.arith(o));
    let ok = xs.every((x) => x !== undefined);
    for (let i = 0; i < a.ops.length; i++) {
      const r = xs[i + 1];
      if ((a.ops[i] === '/' || a.ops[i] === '%') && r?.k === 'num' && r.v === 0) {
        this.bag.add('TMES0312', a.operands[i + 1].span, `division by zero`);
        ok = false;
      }
    }
    if (!ok) return undefined;
    const items = xs as PArith[];
    if (items.length > BALANCE_CHAINS_FROM) {
      if (a.ops.every((op) => op === '+' || op === '-'))
        return this.balanced(
          '+',
          items.map((x, i) => (i > 0 && a.ops[i - 1] === '-' ? this.arithNode({ k: 'neg', a: x }) : x)),
        );
      const op = a.ops[0];
      if ((op === '*' || op === '&' || op === '|' || op === '^') && a.ops.every((o) => o === op))
        return this.balanced(op, items);
    }
    let acc = items[0];
    for (let i = 1; i < items.length; i++) acc = this.arithNode({ k: 'bin', op: a.ops[i - 1], l: acc, r: items[i] });
    return acc;
  }

  /** An associative operator over items, as a balanced tree built level by level. */
  private balanced(op: '+' | '*' | '&' | '|' | '^', items: PArith[]): PArith {
    let level = items;
    while (level.length > 1) {
      const next: PArith[] = [];
      for (let i = 0; i + 1 < level.length; i += 2)
        next.push(this.arithNode({ k: 'bin', op, l: level[i], r: level[i + 1] }));
      if (level.length % 2) next.push(level[level.length - 1]);
      level = next;
    }
    return level[0];
  }
}

/** Whether a filter (not the definitions it names) says inner(...) anywhere. */
function usesInner(f: A.Filter): boolean {
  switch (f.kind) {
    case 'Inner':
      return true;
    case 'And':
    case 'Or':
      return f.operands.some(usesInner);
    case 'Not':
      return usesInner(f.operand);
    case 'Paren':
      return usesInner(f.inner);
    default:
      return false;
  }
}

function resolvingKey(decl: A.DefineDecl, scope: Scope): string {
  return `${scope}:${decl.name.name}`;
}

function flip(op: A.RelOp): A.RelOp {
  return ({ '<': '>', '>': '<', '<=': '>=', '>=': '<=', '==': '==', '!=': '!=' } as const)[op];
}
