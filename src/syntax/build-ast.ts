import type { CstElement, CstNode, IToken } from 'chevrotain';
import type { DiagnosticBag } from '../diagnostics/bag.js';
import type { Span } from '../diagnostics/diagnostic.js';
import type { SourceFile } from '../diagnostics/source.js';
import type * as A from './ast.js';

/** Thrown inside the builder when recovery left a statement incomplete; the statement is dropped. */
class Incomplete extends Error {}

type Ctx = Record<string, CstElement[] | undefined>;

function isToken(e: CstElement): e is IToken {
  return (e as IToken).image !== undefined;
}

/**
 * Turns the concrete syntax tree into the AST. Statements that error recovery
 * left incomplete are dropped (their syntax error is already reported), but
 * their names are remembered so the checker does not cascade "unknown name"
 * errors from them.
 */
export class AstBuilder {
  readonly brokenNames = new Set<string>();

  constructor(
    private readonly file: SourceFile,
    private readonly bag: DiagnosticBag,
  ) {}

  // ---- helpers
  private spanOf(e: CstElement | undefined): Span {
    if (!e) throw new Incomplete();
    if (isToken(e)) {
      if (e.isInsertedInRecovery || Number.isNaN(e.startOffset)) throw new Incomplete();
      return { file: this.file, start: e.startOffset, end: (e.endOffset ?? e.startOffset) + 1 };
    }
    const loc = e.location;
    if (!loc || Number.isNaN(loc.startOffset) || loc.endOffset === undefined || Number.isNaN(loc.endOffset))
      throw new Incomplete();
    return { file: this.file, start: loc.startOffset, end: loc.endOffset + 1 };
  }

  private join(a: Span, b: Span): Span {
    return { file: this.file, start: Math.min(a.start, b.start), end: Math.max(a.end, b.end) };
  }

  private tokens(ctx: Ctx, key: string): IToken[] {
    const xs = ctx[key];
    if (!xs) return [];
    const out: IToken[] = [];
    for (const e of xs) if (isToken(e) && !e.isInsertedInRecovery) out.push(e);
    return out;
  }
  /** The i-th real token under a key, without building the list (this runs for every token). */
  private token(ctx: Ctx, key: string, i = 0): IToken | undefined {
    const xs = ctx[key];
    if (!xs) return undefined;
    for (const e of xs) if (isToken(e) && !e.isInsertedInRecovery && i-- === 0) return e;
    return undefined;
  }
  private need(ctx: Ctx, key: string, i = 0): IToken {
    const t = this.token(ctx, key, i);
    if (!t) throw new Incomplete();
    return t;
  }
  private nodes(ctx: Ctx, key: string): CstNode[] {
    const xs = ctx[key];
    if (!xs) return [];
    const out: CstNode[] = [];
    for (const e of xs) if (!isToken(e)) out.push(e);
    return out;
  }
  private node(ctx: Ctx, key: string): CstNode | undefined {
    const xs = ctx[key];
    if (!xs) return undefined;
    for (const e of xs) if (!isToken(e)) return e;
    return undefined;
  }
  private needNode(ctx: Ctx, key: string): CstNode {
    const n = this.node(ctx, key);
    if (!n || n.recoveredNode) throw new Incomplete();
    return n;
  }
  private ctx(n: CstNode): Ctx {
    return n.children as Ctx;
  }

  private ident(t: IToken): A.Ident {
    return { kind: 'Ident', name: t.image, span: this.spanOf(t) };
  }
  private word(t: IToken): A.Word {
    return { kind: 'Word', word: t.image, span: this.spanOf(t) };
  }
  private number(t: IToken): A.NumberLit {
    return { kind: 'Number', value: Number(t.image), text: t.image, span: this.spanOf(t) };
  }
  private string(t: IToken): A.StringLit {
    const span = this.spanOf(t);
    return { kind: 'String', value: this.unescape(t.image.slice(1, -1), span.start + 1), span };
  }
  private regex(t: IToken): A.RegexLit {
    const last = t.image.lastIndexOf('/');
    return {
      kind: 'Regex',
      source: t.image.slice(1, last).replace(/\\\//g, '/'),
      flags: t.image.slice(last + 1),
      span: this.spanOf(t),
    };
  }

  private unescape(body: string, offset: number): string {
    if (!body.includes('\\')) return body;
    let out = '';
    for (let i = 0; i < body.length; i++) {
      const ch = body[i];
      if (ch !== '\\') {
        out += ch;
        continue;
      }
      const next = body[i + 1];
      const simple: Record<string, string> = { '\\': '\\', '"': '"', n: '\n', r: '\r', t: '\t' };
      if (next !== undefined && simple[next] !== undefined) {
        out += simple[next];
        i++;
      } else if (next === 'x' && /^[0-9A-Fa-f]{2}$/.test(body.slice(i + 2, i + 4))) {
        out += String.fromCharCode(parseInt(body.slice(i + 2, i + 4), 16));
        i += 3;
      } else {
        this.bag.add(
          'TMES0004',
          { file: this.file, start: offset + i, end: offset + i + 2 },
          `unknown escape '\\${next ?? ''}' in string`,
        );
        i++;
      }
    }
    return out;
  }

  // ---- file and statements
  build(cst: CstNode): A.PolicyFile {
    const statements: A.Statement[] = [];
    for (const st of this.nodes(this.ctx(cst), 'statement')) {
      const c = this.ctx(st);
      const inner = Object.keys(c)
        .flatMap((k) => c[k] ?? [])
        .find((e): e is CstNode => !isToken(e));
      if (!inner) continue; // a lone ';'
      try {
        statements.push(this.statement(inner));
      } catch (e) {
        if (!(e instanceof Incomplete)) throw e;
        const name = this.token(this.ctx(inner), 'name');
        if (name && !name.isInsertedInRecovery) this.brokenNames.add(name.image);
      }
    }
    return {
      kind: 'File',
      file: this.file,
      statements,
      span: { file: this.file, start: 0, end: this.file.text.length },
    };
  }

  private statement(n: CstNode): A.Statement {
    const c = this.ctx(n);
    const span = this.spanOf(n);
    switch (n.name) {
      case 'policyDecl':
        return { kind: 'Policy', name: this.string(this.need(c, 'StringLit')), span };
      case 'includeDecl':
        return { kind: 'Include', path: this.string(this.need(c, 'StringLit')), span };
      case 'defineDecl': {
        const defKind = this.word(this.need(c, 'Word'));
        const name = this.ident(this.need(c, 'name'));
        const fe = this.node(c, 'filterExpr');
        if (fe) return { kind: 'Define', defKind, name, filter: this.filter(fe), span };
        const list = this.needNode(c, 'valueList');
        const values = this.nodes(this.ctx(list), 'listValue').map((lv) => this.listValue(lv));
        if (values.length === 0) throw new Incomplete();
        return { kind: 'Define', defKind, name, values, span };
      }
      case 'tapDecl':
        return {
          kind: 'Tap',
          name: this.ident(this.need(c, 'name')),
          items: this.items(this.nodes(c, 'tapItem'), (x) => this.tapItem(x)),
          span,
        };
      case 'groupDecl': {
        const tools: A.ToolDecl[] = [];
        const actions: A.GroupAction[] = [];
        let incomplete = false;
        for (const gi of this.nodes(c, 'groupItem')) {
          const inner = this.firstChildNode(gi);
          if (!inner) continue;
          try {
            if (inner.name === 'toolDecl') tools.push(this.tool(inner));
            else actions.push(this.groupAction(inner));
          } catch (e) {
            if (!(e instanceof Incomplete)) throw e;
            incomplete = true;
            const tn = this.token(this.ctx(inner), 'name');
            if (tn) this.brokenNames.add(tn.image);
          }
        }
        return { kind: 'Group', name: this.ident(this.need(c, 'name')), tools, actions, incomplete, span };
      }
      case 'ruleDecl': {
        const fromAny = this.token(c, 'Kw_any');
        const taps = this.tokens(c, 'tap').map((t) => this.ident(t));
        const action = this.token(c, 'Kw_to') ? 'to' : this.token(c, 'Kw_drop') ? 'drop' : undefined;
        if (!action) throw new Incomplete();
        return {
          kind: 'Rule',
          name: this.ident(this.need(c, 'name')),
          from: fromAny || taps.length === 0 ? 'any' : taps,
          filter: this.filter(this.needNode(c, 'filterExpr')),
          action,
          groups: this.tokens(c, 'group').map((t) => this.ident(t)),
          span,
        };
      }
    }
    throw new Incomplete();
  }

  private firstChildNode(n: CstNode): CstNode | undefined {
    const c = this.ctx(n);
    for (const k of Object.keys(c)) for (const e of c[k] ?? []) if (!isToken(e)) return e;
    return undefined;
  }

  private items<T>(nodes: CstNode[], f: (n: CstNode) => T): T[] {
    const out: T[] = [];
    for (const n of nodes) {
      const inner = this.firstChildNode(n);
      if (!inner) continue;
      try {
        out.push(f(inner));
      } catch (e) {
        if (!(e instanceof Incomplete)) throw e;
      }
    }
    return out;
  }

  private listValue(n: CstNode): A.Value {
    const c = this.ctx(n);
    const re = this.token(c, 'RegexLit');
    if (re) return this.regex(re);
    const s = this.token(c, 'StringLit');
    if (s) return this.string(s);
    return this.value(this.needNode(c, 'value'));
  }

  private tapItem(n: CstNode): A.TapItem {
    const c = this.ctx(n);
    const span = this.spanOf(n);
    switch (n.name) {
      case 'sourceItem':
        return {
          kind: 'Source',
          type: this.word(this.need(c, 'type')),
          paths: this.tokens(c, 'StringLit').map((t) => this.string(t)),
          span,
        };
      case 'inlineItem':
        return {
          kind: 'Inline',
          left: this.string(this.need(c, 'left')),
          right: this.string(this.need(c, 'right')),
          span,
        };
      case 'markItem': {
        const num = this.token(c, 'NumberLit');
        const names = this.tokens(c, 'option');
        const vals = this.tokens(c, 'optionValue');
        return {
          kind: 'Mark',
          what: this.word(this.need(c, 'what')),
          value: num ? this.number(num) : undefined,
          options: names.map((t, i) => ({
            name: this.word(t),
            value: this.number(vals[i] ?? this.need(c, 'optionValue', i)),
          })),
          span,
        };
      }
    }
    throw new Incomplete();
  }

  private tool(n: CstNode): A.ToolDecl {
    const c = this.ctx(n);
    const items: A.ToolItem[] = [];
    for (const o of this.nodes(c, 'outputItem')) {
      const oc = this.ctx(o);
      const values = this.tokens(oc, 'optionValue');
      items.push({
        kind: 'Output',
        type: this.word(this.need(oc, 'type')),
        target: this.string(this.need(oc, 'StringLit')),
        options: this.tokens(oc, 'option').map((t, i) => ({
          name: this.word(t),
          value: this.word(values[i] ?? this.need(oc, 'optionValue', i)),
        })),
        span: this.spanOf(o),
      });
    }
    for (const r of this.nodes(c, 'rateItem')) {
      items.push({ kind: 'Rate', rate: this.quantity(this.needNode(this.ctx(r), 'quantity')), span: this.spanOf(r) });
    }
    items.sort((a, b) => a.span.start - b.span.start);
    this.need(c, 'RBrace');
    return { kind: 'Tool', name: this.ident(this.need(c, 'name')), items, span: this.spanOf(n) };
  }

  /** A list of words, at least one; recovery can leave it empty, which is incomplete. */
  private words(c: Ctx): A.Word[] {
    const ws = this.tokens(c, 'Word').map((t) => this.word(t));
    if (ws.length === 0) throw new Incomplete();
    return ws;
  }

  private quantity(n: CstNode): A.Quantity {
    const c = this.ctx(n);
    const unit = this.token(c, 'unit');
    return {
      kind: 'Quantity',
      amount: this.number(this.need(c, 'NumberLit')),
      unit: unit ? this.word(unit) : undefined,
      span: this.spanOf(n),
    };
  }

  private groupAction(n: CstNode): A.GroupAction {
    const c = this.ctx(n);
    const span = this.spanOf(n);
    switch (n.name) {
      case 'balanceItem':
        return { kind: 'Balance', words: this.words(c), span };
      case 'shapeItem':
        return {
          kind: 'Shape',
          what: this.word(this.need(c, 'what')),
          amount: this.quantity(this.needNode(c, 'quantity')),
          span,
        };
      case 'stripItem':
        return { kind: 'Strip', targets: this.words(c), span };
      case 'maskItem':
        return {
          kind: 'Mask',
          targets: this.nodes(c, 'maskTarget').map((m) => {
            const mc = this.ctx(m);
            const re = this.token(mc, 'RegexLit');
            const fill = this.token(mc, 'fill');
            return {
              pattern: re ? this.regex(re) : this.word(this.need(mc, 'Word')),
              fill: fill ? this.string(fill) : undefined,
              span: this.spanOf(m),
            };
          }),
          span,
        };
      case 'replaceItem': {
        const re = this.token(c, 'RegexLit');
        return {
          kind: 'Replace',
          pattern: re ? this.regex(re) : this.ident(this.need(c, 'Identifier')),
          text: this.string(this.need(c, 'StringLit')),
          span,
        };
      }
      case 'truncateItem':
        return {
          kind: 'Truncate',
          what: this.word(this.need(c, 'what')),
          amount: this.quantity(this.needNode(c, 'quantity')),
          span,
        };
      case 'timestampItem':
        return { kind: 'Timestamp', words: this.words(c), span };
      case 'dedupItem': {
        const what = this.token(c, 'what');
        const q = this.node(c, 'quantity');
        return {
          kind: 'Dedup',
          what: what ? this.word(what) : undefined,
          amount: q ? this.quantity(q) : undefined,
          span,
        };
      }
    }
    throw new Incomplete();
  }

  // ---- filters
  filter(n: CstNode): A.Filter {
    if (n.recoveredNode) throw new Incomplete();
    const c = this.ctx(n);
    const operands = this.nodes(c, 'filterUnary');
    const ops = this.tokens(c, 'op');
    if (operands.length === 0) throw new Incomplete();
    let left = this.unary(operands[0]);
    for (let i = 1; i < operands.length; i++) {
      const op = ops[i - 1];
      if (!op) throw new Incomplete();
      const right = this.unary(operands[i]);
      const kind = op.image === 'and' || op.image === '&&' ? 'And' : 'Or';
      left = { kind, left, right, opSpan: this.spanOf(op), span: this.join(left.span, right.span) };
    }
    return left;
  }

  private unary(n: CstNode): A.Filter {
    const c = this.ctx(n);
    const inner = this.node(c, 'filterUnary');
    if (inner) return { kind: 'Not', operand: this.unary(inner), span: this.spanOf(n) };
    const p = this.needNode(c, 'filterPrimary');
    const pc = this.ctx(p);
    const rel = this.node(pc, 'relation');
    if (rel) return this.relation(rel);
    const fe = this.node(pc, 'filterExpr');
    if (fe) {
      this.need(pc, 'RParen');
      return { kind: 'Paren', inner: this.filter(fe), span: this.spanOf(p) };
    }
    return this.primitive(this.needNode(pc, 'primitive'));
  }

  private relation(n: CstNode): A.RelationFilter {
    const c = this.ctx(n);
    const op = this.need(c, 'relop').image;
    const nodes = this.nodes(c, 'left').concat(this.nodes(c, 'right'));
    if (nodes.length !== 2) throw new Incomplete();
    return {
      kind: 'Relation',
      op: (op === '=' ? '==' : op) as A.RelOp,
      left: this.arith(nodes[0]),
      right: this.arith(nodes[1]),
      span: this.spanOf(n),
    };
  }

  private arith(n: CstNode): A.Arith {
    const c = this.ctx(n);
    if (n.name === 'arith') return this.arith(this.needNode(c, 'arithOr'));
    if (n.name === 'arithUnary') {
      const u = this.node(c, 'arithUnary');
      if (u) return { kind: 'Neg', operand: this.arith(u), span: this.spanOf(n) };
      return this.arith(this.needNode(c, 'arithAtom'));
    }
    if (n.name === 'arithAtom') return this.atom(n);
    const operands = this.nodes(c, 'operand');
    const ops = this.tokens(c, 'op');
    if (operands.length === 0) throw new Incomplete();
    let left = this.arith(operands[0]);
    for (let i = 1; i < operands.length; i++) {
      const right = this.arith(operands[i]);
      left = {
        kind: 'ArithBinary',
        op: this.need(c, 'op', i - 1).image as A.ArithOp,
        left,
        right,
        span: this.join(left.span, right.span),
      };
    }
    void ops;
    return left;
  }

  private atom(n: CstNode): A.Arith {
    const c = this.ctx(n);
    const span = this.spanOf(n);
    const num = this.token(c, 'NumberLit');
    if (num) return { kind: 'Num', value: this.number(num), span };
    if (this.token(c, 'Kw_len')) return { kind: 'Len', span };
    const proto = this.token(c, 'proto');
    if (proto) {
      this.need(c, 'RBracket');
      const size = this.token(c, 'size');
      return {
        kind: 'Access',
        proto: this.word(proto),
        offset: this.arith(this.needNode(c, 'offset')),
        size: size ? this.number(size) : undefined,
        span,
      };
    }
    const id = this.token(c, 'Identifier');
    if (id) return { kind: 'Name', name: this.ident(id), span };
    this.need(c, 'RParen');
    return this.arith(this.needNode(c, 'inner'));
  }

  private value(n: CstNode): A.Value {
    const c = this.ctx(n);
    const span = this.spanOf(n);
    const lo = this.token(c, 'lo');
    if (lo) {
      const hi = this.token(c, 'hi');
      if (this.token(c, 'Minus') && !hi) throw new Incomplete();
      return hi ? { kind: 'Range', lo: this.number(lo), hi: this.number(hi), span } : this.number(lo);
    }
    for (const k of ['Ipv4', 'Ipv6', 'Mac'] as const) {
      const t = this.token(c, k);
      if (t) return { kind: k, text: t.image, span };
    }
    return this.ident(this.need(c, 'Identifier'));
  }

  private qualValue(n: CstNode): A.Value {
    const c = this.ctx(n);
    for (const k of ['ProtoKw', 'TunnelKw', 'Kw_vlan', 'Kw_mpls', 'Kw_pppoes', 'Kw_pppoed']) {
      const kw = this.token(c, k);
      if (kw) return this.word(kw);
    }
    const escaped = this.token(c, 'EscapedName');
    if (escaped) return { kind: 'Word', word: escaped.image.slice(1), span: this.spanOf(escaped) };
    return this.value(this.needNode(c, 'value'));
  }

  private primitive(n: CstNode): A.Filter {
    const c = this.ctx(n);
    const span = this.spanOf(n);
    if (this.token(c, 'Kw_any')) return { kind: 'AnyFilter', span };
    if (this.token(c, 'Kw_fragment')) return { kind: 'Fragment', span };
    const bare = this.node(c, 'bare');
    if (bare) return { kind: 'Bare', value: this.value(bare), span };
    const inner = this.needNode(c, Object.keys(c)[0]);
    const ic = this.ctx(inner);
    const optValue = () => {
      const v = this.node(ic, 'value');
      return v ? this.value(v) : undefined;
    };
    const label = () => {
      const l = this.token(ic, 'label');
      return l ? this.ident(l) : undefined;
    };
    switch (inner.name) {
      case 'innerPrim':
        this.need(ic, 'RParen');
        return { kind: 'Inner', filter: this.filter(this.needNode(ic, 'filterExpr')), span };
      case 'payloadPrim': {
        const op = this.need(ic, 'op').image === 'contains' ? 'contains' : 'matches';
        const s = this.token(ic, 'StringLit');
        const re = this.token(ic, 'RegexLit');
        const id = this.token(ic, 'Identifier');
        const value = s ? this.string(s) : re ? this.regex(re) : this.ident(id ?? this.need(ic, 'Identifier'));
        return { kind: 'Payload', op, value, span };
      }
      case 'tunnelPrim':
        return { kind: 'Tunnel', tunnel: this.word(this.need(ic, 'kind')), label: label(), value: optValue(), span };
      case 'vlanPrim':
        return { kind: 'Vlan', label: label(), value: optValue(), span };
      case 'mplsPrim':
        return { kind: 'Mpls', value: optValue(), span };
      case 'pppoePrim':
        return { kind: 'Pppoe', discovery: !!this.token(ic, 'Kw_pppoed'), value: optValue(), span };
      case 'lengthPrim':
        return {
          kind: 'Length',
          op: this.need(ic, 'op').image as 'less' | 'greater',
          value: this.number(this.need(ic, 'NumberLit')),
          span,
        };
      case 'qualified':
        return this.qualified(inner, span);
      case 'unsupportedPrim':
        return this.unsupported(inner, span);
    }
    throw new Incomplete();
  }

  private unsupported(n: CstNode, span: Span, proto?: A.Word): A.UnsupportedFilter {
    const c = this.ctx(n);
    const args = this.tokens(c, 'arg').map((t) => this.word(t));
    return { kind: 'Unsupported', keyword: this.word(this.need(c, 'keyword')), proto, args, span };
  }

  private qualified(n: CstNode, span: Span): A.Filter {
    const c = this.ctx(n);
    const protoTok = this.token(c, 'proto');
    const proto = protoTok ? this.word(protoTok) : undefined;
    const unsupported = this.node(c, 'unsupportedPrim');
    if (unsupported) return this.unsupported(unsupported, span, proto);
    const cast = this.token(c, 'cast');
    if (cast) return { kind: 'Cast', proto, cast: cast.image as 'broadcast' | 'multicast', span };
    if (this.token(c, 'Kw_flags')) {
      const flags = this.tokens(c, 'flag').map((t) => this.ident(t));
      if (!proto || flags.length === 0) throw new Incomplete();
      return { kind: 'TcpFlags', proto, flags, span };
    }
    const icmpField = this.token(c, 'icmpField');
    if (icmpField) {
      if (!proto) throw new Incomplete();
      return {
        kind: 'Icmp',
        proto,
        field: icmpField.image as 'type' | 'code',
        value: this.value(this.needNode(c, 'icmpValue')),
        span,
      };
    }
    const at = this.node(c, 'addressTest');
    if (!at) {
      if (!proto) throw new Incomplete();
      return { kind: 'Proto', proto, span };
    }
    const ac = this.ctx(at);
    const dirNode = this.node(ac, 'direction');
    let dir: A.Direction | undefined;
    let dirSpan: Span | undefined;
    if (dirNode) {
      const dc = this.ctx(dirNode);
      const first = this.need(dc, 'first').image;
      const join = this.token(dc, 'join');
      const second = this.token(dc, 'second');
      dirSpan = this.spanOf(dirNode);
      if (!join) dir = first as 'src' | 'dst';
      else if (!second) throw new Incomplete();
      else if (first === second.image) dir = first as 'src' | 'dst';
      else dir = join.image === 'or' ? 'src or dst' : 'src and dst';
    }
    const tq = this.node(ac, 'typeQual');
    const tqTok = tq
      ? Object.values(this.ctx(tq))
          .flat()
          .find((e): e is IToken => !!e && isToken(e))
      : undefined;
    const mask = this.node(ac, 'netmask');
    const maskTok = mask ? this.need(this.ctx(mask), 'Ipv4') : undefined;
    return {
      kind: 'Qualified',
      proto,
      dir,
      dirSpan,
      type: tqTok?.image as A.AddressType | undefined,
      typeSpan: tqTok ? this.spanOf(tqTok) : undefined,
      value: this.qualValue(this.needNode(ac, 'qualValue')),
      netmask: maskTok ? { kind: 'Ipv4', text: maskTok.image, span: this.spanOf(maskTok) } : undefined,
      span,
    };
  }
}
