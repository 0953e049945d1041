import { dirname, resolve } from 'node:path';
import { loadPolicy, type LoadedFile, type LoadOptions } from '../../check/load.js';
import { DiagnosticBag } from '../../diagnostics/bag.js';
import type { SourceFile } from '../../diagnostics/source.js';
import type * as A from '../../syntax/ast.js';

/** The namespaces of names: definitions, taps, groups and tools are separate (docs/language.md), rules have their own. */
export type Namespace = 'define' | 'tap' | 'group' | 'tool' | 'rule';

export interface Occurrence {
  ns: Namespace;
  name: string;
  /** Absolute path of the file. */
  file: string;
  start: number;
  end: number;
}

export interface Declaration extends Occurrence {
  /** The whole statement (or tool block) that declares it. */
  node: A.Statement | A.ToolDecl;
  /** The group a tool belongs to. */
  group?: string;
}

export interface IncludeLink {
  file: string;
  start: number;
  end: number;
  target: string;
}

/**
 * Every name of a policy and its includes, where it is declared and where it
 * is used, read from the syntax trees (so it works on a policy with errors,
 * as an editor needs). A name used in a filter or a list refers to a
 * definition when one has that name; otherwise it is a built-in word
 * (a service, a TCP flag, a constant) and not a reference.
 */
export class PolicyIndex {
  readonly declarations = new Map<string, Declaration>();
  readonly occurrences: Occurrence[] = [];
  readonly includes: IncludeLink[] = [];
  readonly sources = new Map<string, SourceFile>();
  readonly asts = new Map<string, A.PolicyFile>();

  static build(root: string, options: LoadOptions): PolicyIndex {
    return PolicyIndex.fromFiles(loadPolicy(root, new DiagnosticBag(), options).files);
  }

  /** The index of files already read and parsed (the checker's), named by their absolute paths. */
  static fromFiles(files: readonly LoadedFile[]): PolicyIndex {
    const index = new PolicyIndex();
    for (const f of files) {
      // loadPolicy names files by their absolute path (no displayPath given)
      index.sources.set(f.source.path, f.source);
      index.asts.set(f.source.path, f.ast);
    }
    for (const f of files) index.collect(f.source.path, f.ast);
    // a name in a filter is a definition's only when one has that name
    const refs = index.occurrences.filter((o) => o.ns !== 'define' || index.declarations.has(key('define', o.name)));
    index.occurrences.length = 0;
    index.occurrences.push(...refs);
    return index;
  }

  private declare(d: Declaration): void {
    const k = key(d.ns, d.name);
    if (!this.declarations.has(k)) this.declarations.set(k, d);
    this.occurrences.push(d);
  }

  private collect(file: string, ast: A.PolicyFile): void {
    const at = (ns: Namespace, id: A.Ident): Occurrence => ({
      ns,
      name: id.name,
      file,
      start: id.span.start,
      end: id.span.end,
    });
    for (const st of ast.statements) {
      switch (st.kind) {
        case 'Include':
          this.includes.push({
            file,
            start: st.path.span.start,
            end: st.path.span.end,
            target: resolve(dirname(file), st.path.value),
          });
          break;
        case 'Define':
          this.declare({ ...at('define', st.name), node: st });
          this.references(file, st.filter ?? st.values ?? []);
          break;
        case 'Tap':
          this.declare({ ...at('tap', st.name), node: st });
          break;
        case 'Group':
          this.declare({ ...at('group', st.name), node: st });
          for (const t of st.tools) this.declare({ ...at('tool', t.name), node: t, group: st.name.name });
          this.references(file, st.actions);
          break;
        case 'Rule':
          this.declare({ ...at('rule', st.name), node: st });
          if (st.from !== 'any') for (const t of st.from) this.occurrences.push(at('tap', t));
          for (const g of st.groups) this.occurrences.push(at('group', g));
          this.references(file, st.filter);
          break;
      }
    }
  }

  /** Names under a node that may refer to definitions; found without recursion (filters nest deeply). */
  private references(file: string, root: unknown): void {
    const stack: unknown[] = [root];
    while (stack.length) {
      const n = stack.pop();
      if (typeof n !== 'object' || n === null) continue;
      if (Array.isArray(n)) {
        for (const x of n) stack.push(x);
        continue;
      }
      const node = n as { kind?: string; name?: string; span?: { start: number; end: number } };
      if (node.kind === 'Ident' && node.span) {
        this.occurrences.push({ ns: 'define', name: node.name!, file, start: node.span.start, end: node.span.end });
        continue;
      }
      // TCP flags, tunnel labels and arithmetic names are built-in words, never definitions
      if (node.kind === 'TcpFlags' || node.kind === 'Name') continue;
      for (const [k, v] of Object.entries(n)) {
        if (k === 'span' || k === 'file' || k === 'label' || k.endsWith('Span') || k.endsWith('Spans')) continue;
        if (typeof v === 'object' && v !== null) stack.push(v);
      }
    }
  }

  /** The name occurrence or include at an offset of a file. */
  at(file: string, offset: number): Occurrence | IncludeLink | undefined {
    const inside = (o: { file: string; start: number; end: number }) =>
      o.file === file && offset >= o.start && offset <= o.end;
    return this.occurrences.find(inside) ?? this.includes.find(inside);
  }

  declaration(o: Occurrence): Declaration | undefined {
    return this.declarations.get(key(o.ns, o.name));
  }

  /** Every occurrence of a name in its namespace: its declaration and its uses. */
  referencesTo(ns: Namespace, name: string): Occurrence[] {
    return this.occurrences.filter((o) => o.ns === ns && o.name === name);
  }

  namesOf(ns: Namespace): Declaration[] {
    return [...this.declarations.values()].filter((d) => d.ns === ns);
  }
}

export function key(ns: Namespace, name: string): string {
  return `${ns}\u0000${name}`;
}
