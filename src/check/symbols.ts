import type { Reporter } from '../diagnostics/bag.js';
import type { Span } from '../diagnostics/diagnostic.js';
import { didYouMean } from '../diagnostics/suggest.js';
import type * as A from '../syntax/ast.js';
import type { BuildCode } from './stages.js';

export type DefineKind = 'net' | 'ports' | 'hosts' | 'macs' | 'pattern' | 'filter';

export const DEFINE_KINDS: Record<string, DefineKind> = {
  net: 'net',
  nets: 'net',
  port: 'ports',
  ports: 'ports',
  host: 'hosts',
  hosts: 'hosts',
  mac: 'macs',
  macs: 'macs',
  pattern: 'pattern',
  patterns: 'pattern',
  filter: 'filter',
};

export interface DefineSymbol {
  kind: DefineKind;
  decl: A.DefineDecl;
  library: boolean;
}

/**
 * Declarations by name, in separate namespaces (definitions, taps, groups,
 * tools), with use tracking for the unused-name warnings.
 */
export class Symbols {
  readonly defines = new Map<string, DefineSymbol>();
  readonly taps = new Map<string, A.TapDecl>();
  readonly groups = new Map<string, A.GroupDecl>();
  readonly tools = new Map<string, { tool: A.ToolDecl; group: A.GroupDecl }>();
  readonly used = new Set<A.DefineDecl>();
  /**
   * How often a use of a name failed without a diagnostic of its own, because
   * the declaration it names is broken and reported there: the builder counts
   * a rule with such a use among the rules with errors.
   */
  failedQuietly = 0;

  constructor(
    private readonly bag: Reporter<BuildCode>,
    readonly brokenNames: Set<string>,
  ) {}

  declare<T>(table: Map<string, T>, what: string, entry: T, nameOf: (t: T) => A.Ident): void {
    const name = nameOf(entry);
    const prev = table.get(name.name);
    if (prev) {
      this.bag.add('TMES0201', name.span, `${what} '${name.name}' is defined twice`, {
        related: [{ message: `first defined here`, span: nameOf(prev).span }],
      });
      return;
    }
    table.set(name.name, entry);
  }

  /** Reports an unknown name with the closest known one, unless the name's own declaration failed to parse. */
  unknown(what: string, name: A.Ident, candidates: Iterable<string>, extra = ''): void {
    if (this.brokenNames.has(name.name)) {
      this.failedQuietly++;
      return;
    }
    const guess = didYouMean(name.name, candidates);
    // the definition the user meant is not unused; saying so would only add noise
    const meant = guess !== undefined ? this.defines.get(guess) : undefined;
    if (meant) this.used.add(meant.decl);
    this.bag.add(
      'TMES0200',
      name.span,
      `unknown ${what} '${name.name}'${guess ? `; did you mean '${guess}'?` : ''}${extra}`,
      guess ? { fix: { message: `replace with '${guess}'`, span: name.span, text: guess } } : undefined,
    );
  }

  define(name: A.Ident): DefineSymbol | undefined {
    const s = this.defines.get(name.name);
    if (s) this.used.add(s.decl);
    return s;
  }

  wrongKind(span: Span, name: string, actual: string, expected: string): void {
    this.bag.add('TMES0202', span, `'${name}' is a ${actual} definition, but ${expected} is needed here`);
  }
}
