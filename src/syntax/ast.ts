import type { Span } from '../diagnostics/diagnostic.js';
import type { SourceFile } from '../diagnostics/source.js';

/**
 * The syntax tree. Every node carries its span; literals keep their source
 * text and are validated by the checker, so one run reports every bad value.
 */
interface Node {
  readonly span: Span;
}

export interface Ident extends Node {
  kind: 'Ident';
  name: string;
}
export interface Word extends Node {
  kind: 'Word';
  word: string;
}
export interface StringLit extends Node {
  kind: 'String';
  value: string;
}
export interface RegexLit extends Node {
  kind: 'Regex';
  source: string;
  flags: string;
}
export interface NumberLit extends Node {
  kind: 'Number';
  value: number;
  text: string;
}
export interface RangeLit extends Node {
  kind: 'Range';
  lo: NumberLit;
  hi: NumberLit;
}
export interface AddressLit extends Node {
  kind: 'Ipv4' | 'Ipv6' | 'Mac';
  text: string;
}
/** A dotted name (www.example.com) where a value goes: a host name, which tmesc does not resolve. */
export interface HostNameLit extends Node {
  kind: 'HostName';
  text: string;
}
export interface Quantity extends Node {
  kind: 'Quantity';
  amount: NumberLit;
  unit?: Word;
}

/** A value in a definition list or a filter. */
export type Value = NumberLit | RangeLit | AddressLit | Ident | Word | StringLit | RegexLit | HostNameLit;

export interface PolicyFile extends Node {
  kind: 'File';
  file: SourceFile;
  statements: Statement[];
}

export type Statement = PolicyDecl | IncludeDecl | DefineDecl | TapDecl | GroupDecl | RuleDecl;

export interface PolicyDecl extends Node {
  kind: 'Policy';
  name: StringLit;
}
export interface IncludeDecl extends Node {
  kind: 'Include';
  path: StringLit;
}
export interface DefineDecl extends Node {
  kind: 'Define';
  defKind: Word;
  name: Ident;
  /** For `define filter`. */
  filter?: Filter;
  /** For every other kind. */
  values?: Value[];
}

export interface TapDecl extends Node {
  kind: 'Tap';
  name: Ident;
  items: TapItem[];
}
export type TapItem = SourceItem | InlineItem | MarkItem;
export interface SourceItem extends Node {
  kind: 'Source';
  type: Word;
  paths: StringLit[];
}
export interface InlineItem extends Node {
  kind: 'Inline';
  left: StringLit;
  right: StringLit;
}
export interface MarkItem extends Node {
  kind: 'Mark';
  what: Word;
  value?: NumberLit;
  options: { name: Word; value: NumberLit }[];
}

export interface GroupDecl extends Node {
  kind: 'Group';
  name: Ident;
  tools: ToolDecl[];
  actions: GroupAction[];
  /** Some item failed to parse (already reported), so emptiness checks would only cascade. */
  incomplete?: boolean;
}
export interface ToolDecl extends Node {
  kind: 'Tool';
  name: Ident;
  items: ToolItem[];
}
export type ToolItem = OutputItem | RateItem;
export interface OutputItem extends Node {
  kind: 'Output';
  type: Word;
  target: StringLit;
  /** `precision ns` and the like, after the target. */
  options: { name: Word; value: Word }[];
}
export interface RateItem extends Node {
  kind: 'Rate';
  rate: Quantity;
}

export type GroupAction =
  | BalanceAction
  | ShapeAction
  | StripAction
  | MaskAction
  | ReplaceAction
  | TruncateAction
  | TimestampAction
  | DedupAction;
export interface BalanceAction extends Node {
  kind: 'Balance';
  words: Word[];
}
export interface ShapeAction extends Node {
  kind: 'Shape';
  what: Word;
  amount: Quantity;
}
export interface StripAction extends Node {
  kind: 'Strip';
  targets: Word[];
}
export interface MaskTarget extends Node {
  pattern: Word | RegexLit;
  fill?: StringLit;
}
export interface MaskAction extends Node {
  kind: 'Mask';
  targets: MaskTarget[];
}
export interface ReplaceAction extends Node {
  kind: 'Replace';
  pattern: RegexLit | Ident;
  text: StringLit;
}
export interface TruncateAction extends Node {
  kind: 'Truncate';
  what: Word;
  amount: Quantity;
}
export interface TimestampAction extends Node {
  kind: 'Timestamp';
  words: Word[];
}
export interface DedupAction extends Node {
  kind: 'Dedup';
  what?: Word;
  amount?: Quantity;
}

export interface RuleDecl extends Node {
  kind: 'Rule';
  name: Ident;
  /** Undefined (no `from`) or `any` means every tap. */
  from: Ident[] | 'any';
  filter: Filter;
  action: 'to' | 'drop';
  groups: Ident[];
}

// ---- filters
export type Filter =
  | ChainFilter
  | NotFilter
  | ParenFilter
  | AnyFilter
  | FragmentFilter
  | QualifiedFilter
  | CastFilter
  | TcpFlagsFilter
  | IcmpFilter
  | ProtoFilter
  | TunnelFilter
  | VlanFilter
  | MplsFilter
  | PppoeFilter
  | LengthFilter
  | InnerFilter
  | PayloadFilter
  | RelationFilter
  | BareFilter
  | PcapFilter;

/**
 * A run of one operator: `a or b or c` is Or[a, b, c]. pcap-filter(7) gives
 * `and` and `or` equal precedence, left to right, so a switch wraps what came
 * before: `a or b and c` is And[Or[a, b], c]. A chain of any length is one
 * node; only switches nest.
 */
export interface ChainFilter extends Node {
  kind: 'And' | 'Or';
  /** Two or more. */
  operands: Filter[];
  /** The operator before operands[i + 1]. */
  opSpans: Span[];
}
export interface NotFilter extends Node {
  kind: 'Not';
  operand: Filter;
}
export interface ParenFilter extends Node {
  kind: 'Paren';
  inner: Filter;
}
export interface AnyFilter extends Node {
  kind: 'AnyFilter';
}
export interface FragmentFilter extends Node {
  kind: 'Fragment';
}

export type Direction = 'src' | 'dst' | 'src or dst' | 'src and dst';
export type AddressType = 'host' | 'net' | 'port' | 'portrange' | 'proto';

/** pcap-filter's `[proto] [dir] [type] value`: host, net, port, portrange, proto tests. */
export interface QualifiedFilter extends Node {
  kind: 'Qualified';
  proto?: Word;
  dir?: Direction;
  dirSpan?: Span;
  type?: AddressType;
  typeSpan?: Span;
  value: Value;
  netmask?: AddressLit;
}
/** `tcp`, `ip6`, `arp` alone. */
export interface ProtoFilter extends Node {
  kind: 'Proto';
  proto: Word;
}
/** `broadcast`, `ether multicast`, `ip6 multicast`. */
export interface CastFilter extends Node {
  kind: 'Cast';
  proto?: Word;
  cast: 'broadcast' | 'multicast';
}
export interface TcpFlagsFilter extends Node {
  kind: 'TcpFlags';
  proto: Word;
  flags: Ident[];
}
export interface IcmpFilter extends Node {
  kind: 'Icmp';
  proto: Word;
  field: 'type' | 'code';
  value: Value;
}
export interface TunnelFilter extends Node {
  kind: 'Tunnel';
  tunnel: Word;
  label?: Ident;
  value?: Value;
}
export interface VlanFilter extends Node {
  kind: 'Vlan';
  label?: Ident;
  value?: Value;
}
export interface MplsFilter extends Node {
  kind: 'Mpls';
  value?: Value;
}
export interface PppoeFilter extends Node {
  kind: 'Pppoe';
  discovery: boolean;
  value?: Value;
}
export interface LengthFilter extends Node {
  kind: 'Length';
  op: 'less' | 'greater';
  value: NumberLit;
}
export interface InnerFilter extends Node {
  kind: 'Inner';
  filter: Filter;
}
export interface PayloadFilter extends Node {
  kind: 'Payload';
  op: 'contains' | 'matches';
  value: StringLit | RegexLit | Ident;
}
export type RelOp = '==' | '!=' | '<' | '<=' | '>' | '>=';
export interface RelationFilter extends Node {
  kind: 'Relation';
  op: RelOp;
  left: Arith;
  right: Arith;
}
/**
 * A value standing alone: either the name of a `define filter`, or, as in
 * pcap-filter(7), a value that repeats the qualifiers of the primitive before
 * it (`host a or b` is `host a or host b`). The checker decides which.
 */
export interface BareFilter extends Node {
  kind: 'Bare';
  value: Value;
}

/**
 * One of pcap-filter's primitives that are names in tmesc (syntax/pcap-words.ts:
 * igmp, stp, llc s, iso proto \clnp, protochain 6, inbound, ...), supported
 * or not; the checker decides what it means.
 */
export interface PcapFilter extends Node {
  kind: 'Pcap';
  keyword: Word;
  /** The protocol qualifier before it: `ip` in `ip protochain 6`. */
  proto?: Word;
  /** The words after the keyword: numbers and addresses as such, names (pcap's `\name` too) as Words. */
  args: Value[];
}

// ---- arithmetic in relations
export type Arith = ArithNum | ArithLen | ArithName | ArithAccess | ArithChain | ArithNeg;
export interface ArithNum extends Node {
  kind: 'Num';
  value: NumberLit;
}
export interface ArithLen extends Node {
  kind: 'Len';
}
/** A named field or constant: ttl, dscp, tcpflags, tcp-syn, icmp-echo, ... */
export interface ArithName extends Node {
  kind: 'Name';
  name: Ident;
}
export interface ArithAccess extends Node {
  kind: 'Access';
  proto: Word;
  offset: Arith;
  size?: NumberLit;
}
export type ArithOp = '+' | '-' | '*' | '/' | '%' | '&' | '|' | '^' | '<<' | '>>';
/**
 * Operators of one precedence level applied left to right:
 * operands[0] ops[0] operands[1] ops[1] ... (`a - b + c` is (a - b) + c).
 * Tighter operators sit in the operands, so a chain of any length is one node.
 */
export interface ArithChain extends Node {
  kind: 'ArithChain';
  /** Two or more. */
  operands: Arith[];
  ops: ArithOp[];
}
export interface ArithNeg extends Node {
  kind: 'Neg';
  operand: Arith;
}
