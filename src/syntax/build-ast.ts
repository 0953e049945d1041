import type { CstNode, IToken } from 'chevrotain';
import type { DiagnosticBag } from '../diagnostics/bag.js';
import type { Span } from '../diagnostics/diagnostic.js';
import type { SourceFile } from '../diagnostics/source.js';
import type * as A from './ast.js';
import type * as C from './cst.generated.js';
import { MAX_NESTING } from './limits.js';

/** Thrown inside the builder when recovery left a statement incomplete; the statement is dropped. */
class Incomplete extends Error {}
/** One instance: broken statements can be many, and a stack trace per throw is costly and never shown. */
const INCOMPLETE = new Incomplete();

/** The keys of a CST children type that hold tokens, and those that hold nodes. */
type TokenKey<T> = { [K in keyof T]-?: NonNullable<T[K]> extends IToken[] ? K : never }[keyof T] & string;
type NodeKey<T> = { [K in keyof T]-?: NonNullable<T[K]> extends CstNode[] ? K : never }[keyof T] & string;
type NodeAt<T, K extends keyof T> = NonNullable<T[K]> extends (infer N)[] ? N : never;

/** Where diagnostics go: the parse caps how many a file reports. */
export type Reporter = Pick<DiagnosticBag, 'add'>;

/** Binding strength of arithmetic operators, as pcap-filter(7): | < ^ < & < shifts < + - < * / %. */
const PRECEDENCE: Record<A.ArithOp, number> = {
  '|': 0,
  '^': 1,
  '&': 2,
  '<<': 3,
  '>>': 3,
  '+': 4,
  '-': 4,
  '*': 5,
  '/': 5,
  '%': 5,
};

/**
 * Turns the concrete syntax tree into the AST, reading the CST through the
 * types generated from the grammar (cst.generated.ts), so a renamed label is
 * a type error here. Statements that error recovery left incomplete are
 * dropped (their syntax error is already reported), but their names are
 * remembered so the checker does not cascade "unknown name" errors from them.
 *
 * Chains (`a or b or c ...`, `x + y + z ...`) become one n-ary node each, so
 * a chain of any length adds one level to the tree; what does nest
 * (parentheses, `not`, switches between `and` and `or`) is held to
 * MAX_NESTING levels, with TMES0040 where a filter goes deeper.
 */
export class AstBuilder {
  readonly brokenNames = new Set<string>();
  /** Depth of each filter node built, for the nesting limit. */
  private readonly depth = new WeakMap<A.Filter, number>();

  constructor(
    private readonly source: SourceFile,
    private readonly bag: Reporter,
  ) {}

  // ---- helpers
  private spanOf(e: IToken | CstNode | undefined): Span {
    if (!e) throw INCOMPLETE;
    if (isToken(e)) {
      if (e.isInsertedInRecovery || Number.isNaN(e.startOffset)) throw INCOMPLETE;
      return { file: this.source, start: e.startOffset, end: (e.endOffset ?? e.startOffset) + 1 };
    }
    const loc = e.location;
    if (!loc || Number.isNaN(loc.startOffset) || loc.endOffset === undefined || Number.isNaN(loc.endOffset))
      throw INCOMPLETE;
    return { file: this.source, start: loc.startOffset, end: loc.endOffset + 1 };
  }

  private join(a: Span, b: Span): Span {
    return { file: this.source, start: Math.min(a.start, b.start), end: Math.max(a.end, b.end) };
  }

  /** The real tokens (not inserted by recovery) under a key. */
  private tokens<T>(c: T, key: TokenKey<T>): IToken[] {
    const xs = c[key] as IToken[] | undefined;
    if (!xs) return [];
    const out: IToken[] = [];
    for (const e of xs) if (!e.isInsertedInRecovery) out.push(e);
    return out;
  }
  /** The i-th real token under a key, without building the list (this runs for every token). */
  private token<T>(c: T, key: TokenKey<T>, i = 0): IToken | undefined {
    const xs = c[key] as IToken[] | undefined;
    if (!xs) return undefined;
    for (const e of xs) if (!e.isInsertedInRecovery && i-- === 0) return e;
    return undefined;
  }
  private need<T>(c: T, key: TokenKey<T>, i = 0): IToken {
    const t = this.token(c, key, i);
    if (!t) throw INCOMPLETE;
    return t;
  }
  private nodes<T, K extends NodeKey<T>>(c: T, key: K): NodeAt<T, K>[] {
    return (c[key] as NodeAt<T, K>[] | undefined) ?? [];
  }
  private node<T, K extends NodeKey<T>>(c: T, key: K): NodeAt<T, K> | undefined {
    return (c[key] as NodeAt<T, K>[] | undefined)?.[0];
  }
  private needNode<T, K extends NodeKey<T>>(c: T, key: K): NodeAt<T, K> {
    const n = this.node(c, key) as CstNode | undefined;
    if (!n || n.recoveredNode) throw INCOMPLETE;
    return n as NodeAt<T, K>;
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
          { file: this.source, start: offset + i, end: offset + i + 2 },
          `unknown escape '\\${next ?? ''}' in string`,
        );
        i++;
      }
    }
    return out;
  }

  // ---- file and statements
  private readonly statements: A.Statement[] = [];

  /** Builds the statements of some CST (called per statement as the parse goes, so no CST outlives its statement). */
  add(statementNodes: readonly C.StatementCstNode[]): void {
    for (const st of statementNodes) {
      const inner = declarationOf(st);
      if (!inner) continue; // a lone ';'
      try {
        this.statements.push(this.statement(inner));
      } catch (e) {
        if (!(e instanceof Incomplete)) throw e;
        const name = this.token(inner.children as { name?: IToken[] }, 'name');
        if (name) this.brokenNames.add(name.image);
      }
    }
  }

  /** The file of every statement added. */
  file(): A.PolicyFile {
    return {
      kind: 'File',
      file: this.source,
      statements: this.statements,
      span: { file: this.source, start: 0, end: this.source.text.length },
    };
  }

  private statement(n: Declaration): A.Statement {
    const span = this.spanOf(n);
    switch (n.name) {
      case 'policyDecl':
        return { kind: 'Policy', name: this.string(this.need(n.children, 'StringLit')), span };
      case 'includeDecl':
        return { kind: 'Include', path: this.string(this.need(n.children, 'StringLit')), span };
      case 'defineDecl': {
        const c = n.children;
        const defKind = this.word(this.need(c, 'Word'));
        const name = this.ident(this.need(c, 'name'));
        const fe = this.node(c, 'filterExpr');
        if (fe) return { kind: 'Define', defKind, name, filter: this.filter(fe), span };
        const list = this.needNode(c, 'valueList');
        const values = this.nodes(list.children, 'listValue').map((lv) => this.listValue(lv));
        if (values.length === 0) throw INCOMPLETE;
        return { kind: 'Define', defKind, name, values, span };
      }
      case 'tapDecl': {
        const c = n.children;
        const items: A.TapItem[] = [];
        for (const ti of this.nodes(c, 'tapItem')) {
          const inner = this.node(ti.children, 'sourceItem') ?? this.node(ti.children, 'inlineItem');
          const mark = this.node(ti.children, 'markItem');
          try {
            if (inner?.name === 'sourceItem') items.push(this.sourceItem(inner));
            else if (inner?.name === 'inlineItem') items.push(this.inlineItem(inner));
            else if (mark) items.push(this.markItem(mark));
          } catch (e) {
            if (!(e instanceof Incomplete)) throw e;
          }
        }
        return { kind: 'Tap', name: this.ident(this.need(c, 'name')), items, span };
      }
      case 'groupDecl': {
        const c = n.children;
        const tools: A.ToolDecl[] = [];
        const actions: A.GroupAction[] = [];
        let incomplete = false;
        for (const gi of this.nodes(c, 'groupItem')) {
          const tool = this.node(gi.children, 'toolDecl');
          try {
            if (tool) tools.push(this.tool(tool));
            else {
              const a = this.groupAction(gi.children);
              if (a) actions.push(a);
            }
          } catch (e) {
            if (!(e instanceof Incomplete)) throw e;
            incomplete = true;
            const tn = tool && this.token(tool.children, 'name');
            if (tn) this.brokenNames.add(tn.image);
          }
        }
        return { kind: 'Group', name: this.ident(this.need(c, 'name')), tools, actions, incomplete, span };
      }
      case 'ruleDecl': {
        const c = n.children;
        const fromAny = this.token(c, 'Kw_any');
        const taps = this.tokens(c, 'tap').map((t) => this.ident(t));
        const action = this.token(c, 'Kw_to') ? 'to' : this.token(c, 'Kw_drop') ? 'drop' : undefined;
        if (!action) throw INCOMPLETE;
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
  }

  private listValue(n: C.ListValueCstNode): A.Value {
    const c = n.children;
    const re = this.token(c, 'RegexLit');
    if (re) return this.regex(re);
    const s = this.token(c, 'StringLit');
    if (s) return this.string(s);
    return this.value(this.needNode(c, 'value'));
  }

  private sourceItem(n: C.SourceItemCstNode): A.SourceItem {
    const c = n.children;
    return {
      kind: 'Source',
      type: this.word(this.need(c, 'type')),
      paths: this.tokens(c, 'StringLit').map((t) => this.string(t)),
      span: this.spanOf(n),
    };
  }

  private inlineItem(n: C.InlineItemCstNode): A.InlineItem {
    const c = n.children;
    return {
      kind: 'Inline',
      left: this.string(this.need(c, 'left')),
      right: this.string(this.need(c, 'right')),
      span: this.spanOf(n),
    };
  }

  private markItem(n: C.MarkItemCstNode): A.MarkItem {
    const c = n.children;
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
      span: this.spanOf(n),
    };
  }

  private tool(n: C.ToolDeclCstNode): A.ToolDecl {
    const c = n.children;
    const items: A.ToolItem[] = [];
    for (const o of this.nodes(c, 'outputItem')) {
      const oc = o.children;
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
      items.push({ kind: 'Rate', rate: this.quantity(this.needNode(r.children, 'quantity')), span: this.spanOf(r) });
    }
    items.sort((a, b) => a.span.start - b.span.start);
    this.need(c, 'RBrace');
    return { kind: 'Tool', name: this.ident(this.need(c, 'name')), items, span: this.spanOf(n) };
  }

  /** A list of words, at least one; recovery can leave it empty, which is incomplete. */
  private words(ts: IToken[]): A.Word[] {
    const ws = ts.map((t) => this.word(t));
    if (ws.length === 0) throw INCOMPLETE;
    return ws;
  }

  private quantity(n: C.QuantityCstNode): A.Quantity {
    const c = n.children;
    const unit = this.token(c, 'unit');
    return {
      kind: 'Quantity',
      amount: this.number(this.need(c, 'NumberLit')),
      unit: unit ? this.word(unit) : undefined,
      span: this.spanOf(n),
    };
  }

  /** The action of a group item, undefined for a lone ';'. */
  private groupAction(gi: C.GroupItemCstChildren): A.GroupAction | undefined {
    const balance = this.node(gi, 'balanceItem');
    if (balance)
      return { kind: 'Balance', words: this.words(this.tokens(balance.children, 'Word')), span: this.spanOf(balance) };
    const shape = this.node(gi, 'shapeItem');
    if (shape) {
      const c = shape.children;
      return {
        kind: 'Shape',
        what: this.word(this.need(c, 'what')),
        amount: this.quantity(this.needNode(c, 'quantity')),
        span: this.spanOf(shape),
      };
    }
    const strip = this.node(gi, 'stripItem');
    if (strip)
      return { kind: 'Strip', targets: this.words(this.tokens(strip.children, 'Word')), span: this.spanOf(strip) };
    const mask = this.node(gi, 'maskItem');
    if (mask)
      return {
        kind: 'Mask',
        targets: this.nodes(mask.children, 'maskTarget').map((m) => {
          const mc = m.children;
          const re = this.token(mc, 'RegexLit');
          const fill = this.token(mc, 'fill');
          return {
            pattern: re ? this.regex(re) : this.word(this.need(mc, 'Word')),
            fill: fill ? this.string(fill) : undefined,
            span: this.spanOf(m),
          };
        }),
        span: this.spanOf(mask),
      };
    const replace = this.node(gi, 'replaceItem');
    if (replace) {
      const c = replace.children;
      const re = this.token(c, 'RegexLit');
      return {
        kind: 'Replace',
        pattern: re ? this.regex(re) : this.ident(this.need(c, 'Identifier')),
        text: this.string(this.need(c, 'StringLit')),
        span: this.spanOf(replace),
      };
    }
    const truncate = this.node(gi, 'truncateItem');
    if (truncate) {
      const c = truncate.children;
      return {
        kind: 'Truncate',
        what: this.word(this.need(c, 'what')),
        amount: this.quantity(this.needNode(c, 'quantity')),
        span: this.spanOf(truncate),
      };
    }
    const timestamp = this.node(gi, 'timestampItem');
    if (timestamp)
      return {
        kind: 'Timestamp',
        words: this.words(this.tokens(timestamp.children, 'Word')),
        span: this.spanOf(timestamp),
      };
    const dedup = this.node(gi, 'dedupItem');
    if (dedup) {
      const c = dedup.children;
      const what = this.token(c, 'what');
      const q = this.node(c, 'quantity');
      return {
        kind: 'Dedup',
        what: what ? this.word(what) : undefined,
        amount: q ? this.quantity(q) : undefined,
        span: this.spanOf(dedup),
      };
    }
    return undefined;
  }

  // ---- filters
  /** Records a filter node's depth; a node past the nesting limit is reported at `at` and drops the statement. */
  private deep<F extends A.Filter>(f: F, below: number, at: Span): F {
    const d = below + 1;
    if (d > MAX_NESTING) {
      this.bag.add(
        'TMES0040',
        at,
        `this filter nests more than ${MAX_NESTING} levels deep (not, inner, each switch between and and or, and each parenthesized chain add a level); chains of one operator need no parentheses, and definitions can name the parts`,
      );
      throw INCOMPLETE;
    }
    this.depth.set(f, d);
    return f;
  }
  private depthOf(f: A.Filter): number {
    return this.depth.get(f) ?? 1;
  }

  /**
   * A chain `u0 op1 u1 op2 u2 ...`: pcap-filter(7) gives and and or equal
   * precedence, left to right, so each run of one operator becomes one n-ary
   * node and a switch wraps what came before: `a or b and c` is
   * And[Or[a, b], c].
   */
  filter(n: C.FilterExprCstNode): A.Filter {
    if (n.recoveredNode) throw INCOMPLETE;
    const c = n.children;
    const operands = this.nodes(c, 'filterUnary');
    const ops = this.tokens(c, 'op');
    if (operands.length === 0) throw INCOMPLETE;
    if (ops.length !== operands.length - 1) throw INCOMPLETE;
    let acc = this.unary(operands[0]);
    let i = 0;
    while (i < ops.length) {
      const kind = isAnd(ops[i]) ? 'And' : 'Or';
      const items: A.Filter[] = [acc];
      const opSpans: Span[] = [];
      let below = this.depthOf(acc);
      while (i < ops.length && (isAnd(ops[i]) ? 'And' : 'Or') === kind) {
        opSpans.push(this.spanOf(ops[i]));
        const x = this.unary(operands[i + 1]);
        below = Math.max(below, this.depthOf(x));
        items.push(x);
        i++;
      }
      const node: A.ChainFilter = {
        kind,
        operands: items,
        opSpans,
        span: this.join(items[0].span, items[items.length - 1].span),
      };
      acc = this.deep(node, below, opSpans[0]);
    }
    return acc;
  }

  private unary(n: C.FilterUnaryCstNode): A.Filter {
    const c = n.children;
    let f = this.primary(this.needNode(c, 'filterPrimary'));
    const nots = this.tokens(c, 'not');
    for (let i = nots.length - 1; i >= 0; i--) {
      const span = this.join(this.spanOf(nots[i]), f.span);
      f = this.deep({ kind: 'Not', operand: f, span }, this.depthOf(f), this.spanOf(nots[i]));
    }
    return f;
  }

  private primary(p: C.FilterPrimaryCstNode): A.Filter {
    const pc = p.children;
    const rel = this.node(pc, 'relation');
    if (rel) return this.relation(rel);
    const fe = this.node(pc, 'filterExpr');
    if (fe) {
      this.need(pc, 'RParen');
      const inner = this.filter(fe);
      // the parenthesis itself was counted by the parse (parse.ts); what nests inside it counts here
      const paren: A.ParenFilter = { kind: 'Paren', inner, span: this.spanOf(p) };
      this.depth.set(paren, this.depthOf(inner));
      return paren;
    }
    return this.primitive(this.needNode(pc, 'primitive'));
  }

  private relation(n: C.RelationCstNode): A.RelationFilter {
    const c = n.children;
    const op = this.need(c, 'relop').image;
    const left = this.node(c, 'left');
    const right = this.node(c, 'right');
    if (!left || !right) throw INCOMPLETE;
    return {
      kind: 'Relation',
      op: (op === '=' ? '==' : op) as A.RelOp,
      left: this.arith(left),
      right: this.arith(right),
      span: this.spanOf(n),
    };
  }

  /**
   * An arithmetic chain as the parser gives it (operands and operators, flat),
   * with pcap's precedence applied by operator precedence parsing: a stack of
   * open chains of rising precedence, so no recursion on the chain's length.
   */
  private arith(n: C.ArithCstNode): A.Arith {
    if (n.recoveredNode) throw INCOMPLETE;
    const c = n.children;
    const operands = this.nodes(c, 'operand');
    const ops = this.tokens(c, 'op');
    if (operands.length === 0 || ops.length !== operands.length - 1) throw INCOMPLETE;
    const open: { prec: number; operands: A.Arith[]; ops: A.ArithOp[] }[] = [];
    const close = (frame: (typeof open)[number], last: A.Arith): A.Arith => {
      const items = [...frame.operands, last];
      return {
        kind: 'ArithChain',
        operands: items,
        ops: frame.ops,
        span: this.join(items[0].span, items[items.length - 1].span),
      };
    };
    let cur = this.arithUnary(operands[0]);
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i].image as A.ArithOp;
      const prec = PRECEDENCE[op];
      while (open.length && open[open.length - 1].prec > prec) cur = close(open.pop()!, cur);
      const top = open[open.length - 1];
      if (top && top.prec === prec) {
        top.operands.push(cur);
        top.ops.push(op);
      } else open.push({ prec, operands: [cur], ops: [op] });
      cur = this.arithUnary(operands[i + 1]);
    }
    while (open.length) cur = close(open.pop()!, cur);
    return cur;
  }

  private arithUnary(n: C.ArithUnaryCstNode): A.Arith {
    const c = n.children;
    let a = this.atom(this.needNode(c, 'arithAtom'));
    const negs = this.tokens(c, 'neg');
    for (let i = negs.length - 1; i >= 0; i--)
      a = { kind: 'Neg', operand: a, span: this.join(this.spanOf(negs[i]), a.span) };
    return a;
  }

  private atom(n: C.ArithAtomCstNode): A.Arith {
    const c = n.children;
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

  private value(n: C.ValueCstNode): A.Value {
    const c = n.children;
    const span = this.spanOf(n);
    const lo = this.token(c, 'lo');
    if (lo) {
      const hi = this.token(c, 'hi');
      if (this.token(c, 'Minus') && !hi) throw INCOMPLETE;
      return hi ? { kind: 'Range', lo: this.number(lo), hi: this.number(hi), span } : this.number(lo);
    }
    for (const k of ['Ipv4', 'Ipv6', 'Mac'] as const) {
      const t = this.token(c, k);
      if (t) return { kind: k, text: t.image, span };
    }
    const dotted = this.token(c, 'DottedName');
    if (dotted) return { kind: 'HostName', text: dotted.image, span };
    return this.ident(this.need(c, 'Identifier'));
  }

  private qualValue(n: C.QualValueCstNode): A.Value {
    const c = n.children;
    for (const k of ['ProtoKw', 'TunnelKw', 'Kw_vlan', 'Kw_mpls', 'Kw_pppoes', 'Kw_pppoed'] as const) {
      const kw = this.token(c, k);
      if (kw) return this.word(kw);
    }
    const escaped = this.token(c, 'EscapedName');
    if (escaped) return { kind: 'Word', word: escaped.image.slice(1), span: this.spanOf(escaped) };
    return this.value(this.needNode(c, 'value'));
  }

  private primitive(n: C.PrimitiveCstNode): A.Filter {
    const c = n.children;
    const span = this.spanOf(n);
    if (this.token(c, 'Kw_any')) return { kind: 'AnyFilter', span };
    if (this.token(c, 'Kw_fragment')) return { kind: 'Fragment', span };
    const bare = this.node(c, 'bare');
    if (bare) return { kind: 'Bare', value: this.value(bare), span };
    const optValue = (v: C.ValueCstNode | undefined) => (v ? this.value(v) : undefined);
    const label = (l: IToken | undefined) => (l ? this.ident(l) : undefined);
    const inner = this.node(c, 'innerPrim');
    if (inner) {
      this.need(inner.children, 'RParen');
      const f = this.filter(this.needNode(inner.children, 'filterExpr'));
      return this.deep({ kind: 'Inner', filter: f, span }, this.depthOf(f), span);
    }
    const payload = this.node(c, 'payloadPrim');
    if (payload) {
      const pc = payload.children;
      const op = this.need(pc, 'op').image === 'contains' ? 'contains' : 'matches';
      const s = this.token(pc, 'StringLit');
      const re = this.token(pc, 'RegexLit');
      const id = this.token(pc, 'Identifier');
      const value = s ? this.string(s) : re ? this.regex(re) : this.ident(id ?? this.need(pc, 'Identifier'));
      return { kind: 'Payload', op, value, span };
    }
    const tunnel = this.node(c, 'tunnelPrim');
    if (tunnel) {
      const tc = tunnel.children;
      return {
        kind: 'Tunnel',
        tunnel: this.word(this.need(tc, 'kind')),
        label: label(this.token(tc, 'label')),
        value: optValue(this.node(tc, 'value')),
        span,
      };
    }
    const vlan = this.node(c, 'vlanPrim');
    if (vlan)
      return {
        kind: 'Vlan',
        label: label(this.token(vlan.children, 'label')),
        value: optValue(this.node(vlan.children, 'value')),
        span,
      };
    const mpls = this.node(c, 'mplsPrim');
    if (mpls) return { kind: 'Mpls', value: optValue(this.node(mpls.children, 'value')), span };
    const pppoe = this.node(c, 'pppoePrim');
    if (pppoe)
      return {
        kind: 'Pppoe',
        discovery: !!this.token(pppoe.children, 'Kw_pppoed'),
        value: optValue(this.node(pppoe.children, 'value')),
        span,
      };
    const length = this.node(c, 'lengthPrim');
    if (length)
      return {
        kind: 'Length',
        op: this.need(length.children, 'op').image as 'less' | 'greater',
        value: this.number(this.need(length.children, 'NumberLit')),
        span,
      };
    const pcap = this.node(c, 'pcapPrim');
    if (pcap) return this.pcapPrim(pcap, span);
    return this.qualified(this.needNode(c, 'qualified'), span);
  }

  private pcapPrim(n: C.PcapPrimCstNode, span: Span, proto?: A.Word): A.PcapFilter {
    const c = n.children;
    const args = this.tokens(c, 'arg').map((t) => this.pcapArg(t));
    return { kind: 'Pcap', keyword: this.word(this.need(c, 'keyword')), proto, args, span };
  }

  private pcapArg(t: IToken): A.Value {
    const span = this.spanOf(t);
    switch (t.tokenType.name) {
      case 'NumberLit':
        return this.number(t);
      case 'Ipv4':
      case 'Ipv6':
      case 'Mac':
        return { kind: t.tokenType.name, text: t.image, span };
      case 'EscapedName':
        return { kind: 'Word', word: t.image.slice(1), span };
      case 'DottedName':
        return { kind: 'HostName', text: t.image, span };
      default:
        return this.word(t);
    }
  }

  private qualified(n: C.QualifiedCstNode, span: Span): A.Filter {
    const c = n.children;
    const protoTok = this.token(c, 'proto');
    const proto = protoTok ? this.word(protoTok) : undefined;
    const pcap = this.node(c, 'pcapPrim');
    if (pcap) return this.pcapPrim(pcap, span, proto);
    const cast = this.token(c, 'cast');
    if (cast) return { kind: 'Cast', proto, cast: cast.image as 'broadcast' | 'multicast', span };
    if (this.token(c, 'Kw_flags')) {
      const flags = this.tokens(c, 'flag').map((t) => this.ident(t));
      if (!proto || flags.length === 0) throw INCOMPLETE;
      return { kind: 'TcpFlags', proto, flags, span };
    }
    const icmpField = this.token(c, 'icmpField');
    if (icmpField) {
      if (!proto) throw INCOMPLETE;
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
      if (!proto) throw INCOMPLETE;
      return { kind: 'Proto', proto, span };
    }
    const ac = at.children;
    const dirNode = this.node(ac, 'direction');
    let dir: A.Direction | undefined;
    let dirSpan: Span | undefined;
    if (dirNode) {
      const dc = dirNode.children;
      const first = this.need(dc, 'first').image;
      const join = this.token(dc, 'join');
      const second = this.token(dc, 'second');
      dirSpan = this.spanOf(dirNode);
      if (!join) dir = first as 'src' | 'dst';
      else if (!second) throw INCOMPLETE;
      else if (first === second.image) dir = first as 'src' | 'dst';
      else dir = join.image === 'or' ? 'src or dst' : 'src and dst';
    }
    const tq = this.node(ac, 'typeQual');
    const tqTok = tq
      ? (['Kw_host', 'Kw_net', 'Kw_port', 'Kw_portrange', 'Kw_proto'] as const)
          .map((k) => this.token(tq.children, k))
          .find((t) => t !== undefined)
      : undefined;
    const mask = this.node(ac, 'netmask');
    const maskTok = mask ? this.need(mask.children, 'Ipv4') : undefined;
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

type Declaration =
  | C.PolicyDeclCstNode
  | C.IncludeDeclCstNode
  | C.DefineDeclCstNode
  | C.TapDeclCstNode
  | C.GroupDeclCstNode
  | C.RuleDeclCstNode;

/** The declaration a statement holds, or undefined for a lone ';'. */
function declarationOf(st: C.StatementCstNode): Declaration | undefined {
  const c = st.children;
  return (
    c.policyDecl?.[0] ??
    c.includeDecl?.[0] ??
    c.defineDecl?.[0] ??
    c.tapDecl?.[0] ??
    c.groupDecl?.[0] ??
    c.ruleDecl?.[0]
  );
}

function isToken(e: IToken | CstNode): e is IToken {
  return (e as IToken).image !== undefined;
}

function isAnd(t: IToken): boolean {
  return t.image === 'and' || t.image === '&&';
}
