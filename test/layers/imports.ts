import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/** One import of one module by another, both as paths relative to the source root (`runtime/engine/run.ts`). */
export interface ImportEdge {
  from: string;
  to: string;
  line: number;
}

/** Every .ts file under root (paths relative to root, with `/`), generated ones included: they are imported too. */
export function sourceFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(relative(root, p).split(sep).join('/'));
    }
  };
  walk(root);
  return out;
}

/**
 * The module specifiers a file names: static imports and re-exports (type-only ones too: a
 * type is a dependency on the layer that owns it), `import()` calls and `new URL('...',
 * import.meta.url)` (how workers are started).
 */
function specifiers(fileName: string, text: string): { spec: string; line: number }[] {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const out: { spec: string; line: number }[] = [];
  const add = (node: ts.Node, lit: ts.Expression | undefined, codeOnly = false): void => {
    if (!lit || !ts.isStringLiteralLike(lit)) return;
    // new URL() also names data files (package.json); only modules are imports
    if (codeOnly && !/\.[cm]?[jt]s$/.test(lit.text)) return;
    out.push({ spec: lit.text, line: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1 });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) add(node, node.moduleSpecifier);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference))
      add(node, node.moduleReference.expression);
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword)
      add(node, node.arguments[0]);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) add(node, node.argument.literal);
    else if (
      ts.isNewExpression(node) &&
      ts.isIdentifier(node.expression) &&
      node.expression.text === 'URL' &&
      node.arguments?.length === 2 &&
      node.arguments[1].getText(sf) === 'import.meta.url'
    )
      add(node, node.arguments[0], true);
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/**
 * The imports between files under root. Relative specifiers resolve as NodeNext writes them
 * (`./x.js` names `x.ts`); package and `node:` imports are not edges. A relative import that
 * leaves root is reported with `to` starting with `../`.
 */
export function importEdges(root: string): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const file of sourceFiles(root)) {
    const abs = join(root, file);
    for (const { spec, line } of specifiers(abs, readFileSync(abs, 'utf8'))) {
      if (!spec.startsWith('.')) continue;
      const target = resolve(dirname(abs), spec).replace(/\.js$/, '.ts');
      edges.push({ from: file, to: relative(root, target).split(sep).join('/'), line });
    }
  }
  return edges;
}

/** The layer of a file: its top folder under the source root (`runtime` for `runtime/engine/run.ts`). */
export function layerOf(file: string): string {
  return file.split('/')[0];
}

/** The package of a file: its folder (`runtime/engine` for `runtime/engine/run.ts`, `cli` for `cli/main.ts`). */
export function packageOf(file: string): string {
  return file.split('/').slice(0, -1).join('/');
}

/** Imports of a layer that comes later in the order (or is not in it at all, or lies outside root). */
export function layerViolations(edges: readonly ImportEdge[], order: readonly string[]): string[] {
  const rank = new Map(order.map((l, i) => [l, i]));
  const out: string[] = [];
  for (const e of edges) {
    const from = layerOf(e.from);
    const to = layerOf(e.to);
    if (to === '..') out.push(`${e.from}:${e.line} imports ${e.to}, outside the source tree`);
    else if (!rank.has(from)) out.push(`${e.from}: layer ${from} is not in the stated order`);
    else if (!rank.has(to)) out.push(`${e.from}:${e.line} imports ${e.to}: layer ${to} is not in the stated order`);
    else if (rank.get(to)! > rank.get(from)!)
      out.push(`${e.from}:${e.line} imports ${e.to}: ${from} may import only layers before it, and ${to} comes after`);
  }
  return out;
}

function within(pkg: string, ancestor: string): boolean {
  return pkg === ancestor || pkg.startsWith(`${ancestor}/`);
}

/**
 * Cycles among the nodes that `group` maps files to (files, packages or layers): each strongly
 * connected component of more than one node, as its sorted node names, with one import per edge
 * inside it as evidence (Tarjan's algorithm). With `ignoreNesting`, imports between a folder and
 * the folders inside it are left out: `check/check.ts` runs `check/checks/`, whose checks use
 * `check/context.ts`; that is one package's inside, not two packages leaning on each other.
 */
export function cycles(
  edges: readonly ImportEdge[],
  group: (file: string) => string,
  ignoreNesting = false,
): { nodes: string[]; evidence: string[] }[] {
  const adj = new Map<string, Map<string, ImportEdge>>();
  for (const e of edges) {
    const a = group(e.from);
    const b = group(e.to);
    if (a === b) continue;
    if (ignoreNesting && (within(a, b) || within(b, a))) continue;
    if (!adj.has(a)) adj.set(a, new Map());
    if (!adj.has(b)) adj.set(b, new Map());
    if (!adj.get(a)!.has(b)) adj.get(a)!.set(b, e);
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: { nodes: string[]; evidence: string[] }[] = [];
  let next = 0;
  const connect = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of adj.get(v)!.keys()) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1) {
        const inside = new Set(comp);
        const evidence: string[] = [];
        for (const a of [...comp].sort())
          for (const [b, e] of adj.get(a)!) if (inside.has(b)) evidence.push(`${e.from}:${e.line} imports ${e.to}`);
        out.push({ nodes: comp.sort(), evidence });
      }
    }
  };
  for (const v of [...adj.keys()].sort()) if (!index.has(v)) connect(v);
  return out;
}

/**
 * The layer order the README's Layout table states: the `src/<layer>/` paths of its rows, in
 * the order they appear.
 */
export function statedOrder(readme: string): string[] {
  const start = readme.indexOf('## Layout');
  if (start < 0) throw new Error('README.md has no "## Layout" section');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/^\| `src\/([a-z-]+)\/` \|/gm)].map((m) => m[1]);
}
