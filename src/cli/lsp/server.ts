import { basename, dirname, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import {
  CodeActionKind,
  CompletionItemKind,
  createConnection,
  DidChangeWatchedFilesNotification,
  DiagnosticSeverity,
  DiagnosticTag,
  StreamMessageReader,
  StreamMessageWriter,
  SymbolKind,
  TextDocuments,
  TextDocumentSyncKind,
  type CodeAction,
  type Connection,
  type DocumentSymbol,
  type Diagnostic as LspDiagnostic,
  type Range,
  type TextEdit,
  type WorkspaceEdit,
} from 'vscode-languageserver/node';
import { PolicyReadError, readPolicyFile, type LoadOptions, type ReadFile } from '../../check/load.js';
import { includeRoots } from '../include-roots.js';
import { CODES } from '../../diagnostics/codes.js';
import type { Diagnostic } from '../../diagnostics/diagnostic.js';
import type { SourceFile } from '../../diagnostics/source.js';
import { graphChecks } from '../../ir/graph-check.js';
import { pcapLinkTypes } from '../../runtime/checks/pcap-link-types.js';
import { compilePolicy } from '../../ir/compile.js';
import type { MatchGraph } from '../../ir/graph.js';
import type { Policy } from '../../policy/policy.js';
import { KEYWORDS } from '../../syntax/tokens.js';
import { formatPolicy } from '../format/format.js';
import { applyBaseline, BaselineError, loadBaseline } from '../lint/baseline.js';
import { CONFIG_NAMES, ConfigError } from '../lint/config.js';
import { SAFE_FIXES } from '../lint/fix.js';
import { lintPolicy, type LintResult } from '../lint/lint.js';
import { complete } from './completion.js';
import { builtinWord, describeCode, describeDeclaration, quantityAt, readableQuantity } from './hover.js';
import { key, PolicyIndex, type Declaration, type Occurrence } from './policy-index.js';
import { suppressible, suppressionEdit } from './suppress.js';
import { outline, type OutlineEntry, type OutlineKind } from './symbols.js';
import { policyFiles, stamp } from './workspace.js';

/** What the server knows of a document after its last analysis. */
interface Analysis {
  version: number;
  index: PolicyIndex;
  policy?: Policy;
  /** Compiled on demand (hover on a rule), when the policy has no errors. */
  graph?: MatchGraph | null;
  /** Files the analysis read (its includes, configuration, baseline): a change to one of them analyses the document again. */
  reads: Set<string>;
  /** What it found, by the URI of the file it is in: the document's, its includes', its configuration's or baseline's. */
  found: Map<string, LspDiagnostic[]>;
}

const SYMBOL_KINDS: Record<OutlineKind, SymbolKind> = {
  policy: SymbolKind.Module,
  include: SymbolKind.File,
  define: SymbolKind.Constant,
  tap: SymbolKind.Interface,
  group: SymbolKind.Class,
  tool: SymbolKind.Field,
  rule: SymbolKind.Function,
};

const NAME = /^[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*$/;
const UNNECESSARY = new Set(['TMES0500', 'TMES0501', 'TMES0502', 'TMES0701', 'TMES0702', 'TMES0952', 'TMES0953']);

const toPath = (uri: string) => fileURLToPath(uri);

/** TMESC_INCLUDE_PATH's directories (the server has no command line to take --include-root from). */
function envIncludeRoots(cwd: string): string[] {
  try {
    return includeRoots([], cwd);
  } catch {
    return [];
  }
}
const toUri = (path: string) => pathToFileURL(path).href;

/**
 * The language server (`tmesc lsp --stdio`): diagnostics as you type (the
 * policy with its includes, read from the editor's unsaved text where a file
 * is open, with the lint configuration and suppressions validate applies),
 * hover, go to definition across includes, completion, rename, code actions
 * for the diagnostics' fixes, and formatting (tmesc fmt).
 */
export function startServer(input: NodeJS.ReadableStream, output: NodeJS.WritableStream): Connection {
  const connection = createConnection(new StreamMessageReader(input), new StreamMessageWriter(output));
  const documents = new TextDocuments(TextDocument);
  const analyses = new Map<string, Analysis>();
  const timers = new Map<string, NodeJS.Timeout>();
  let root = process.cwd();

  // an open document's unsaved text, else the file as the checker reads one (size limits, regular files only)
  const read: ReadFile = (path, how) => {
    const open = documents.get(toUri(path));
    return open ? open.getText() : readPolicyFile(path, how);
  };
  /** How policies are loaded: includes may read the workspace's tree (the working directory of a tmesc run there) and TMESC_INCLUDE_PATH. */
  const loading = (r: ReadFile): LoadOptions => ({ read: r, cwd: root, includeRoots: envIncludeRoots(root) });
  const rel = (abs: string) => {
    const r = relative(root, abs);
    return r && !r.startsWith('..') ? r : abs;
  };

  let watchFiles = false;
  connection.onInitialize((params) => {
    const folder = params.workspaceFolders?.[0]?.uri ?? params.rootUri;
    if (folder) root = toPath(folder);
    for (const f of params.workspaceFolders ?? []) folders.push(toPath(f.uri));
    watchFiles = params.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration === true;
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        hoverProvider: true,
        definitionProvider: true,
        referencesProvider: true,
        renameProvider: { prepareProvider: true },
        completionProvider: { triggerCharacters: [' ', ','] },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        documentFormattingProvider: true,
        documentSymbolProvider: true,
      },
      serverInfo: { name: 'tmesc' },
    };
  });

  function analyse(uri: string): void {
    const doc = documents.get(uri);
    if (!doc) return;
    const path = toPath(uri);
    const reads = new Set<string>([path]);
    const tracked: ReadFile = (p, how) => {
      reads.add(p);
      return read(p, how);
    };
    let diagnostics: Diagnostic[] = [];
    let policy: Policy | undefined;
    let index: PolicyIndex | undefined;
    // a configuration or baseline that cannot be used: its problems where they are, and on the policy it stops
    let stopped: Diagnostic[] = [];
    try {
      const result = lintPolicy(path, { ...loading(tracked), extraChecks: [graphChecks, pcapLinkTypes] });
      index = PolicyIndex.fromFiles(result.check.files);
      if (result.config.path) reads.add(result.config.path);
      if (!result.check.diagnostics.some((d) => d.severity === 'error')) policy = result.check.policy;
      // with a baseline that cannot be used, every finding (and why the baseline is not applied)
      diagnostics = result.diagnostics;
      if (result.config.baseline) {
        reads.add(result.config.baseline);
        diagnostics = baselined(result, result.config.baseline, path);
      }
    } catch (e) {
      if (e instanceof ConfigError || e instanceof BaselineError) stopped = e.diagnostics;
      else if (!(e instanceof PolicyReadError)) throw e;
    }
    index ??= PolicyIndex.build(path, loading(tracked));
    const found = new Map<string, LspDiagnostic[]>([[uri, []]]);
    for (const d of [...diagnostics, ...stopped]) {
      const u = toUri(d.span.file.path);
      if (!found.has(u)) found.set(u, []);
      found.get(u)!.push(toLsp(d, documents.get(u)));
    }
    for (const d of stopped)
      found.get(uri)!.push({
        ...toLsp(d, undefined),
        range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
        message: `${rel(d.span.file.path)}: ${d.message}`,
      });
    const before = analyses.get(uri);
    analyses.set(uri, { version: doc.version, index, policy, reads, found });
    for (const u of new Set([...found.keys(), ...(before?.found.keys() ?? [])])) publish(u);
  }

  /** The findings less what the configuration's baseline knows (its stale entries are for CI to report). */
  function baselined(result: LintResult, baselinePath: string, policyPath: string): Diagnostic[] {
    const baseline = loadBaseline(baselinePath, baselinePath);
    const checked = new Set([...result.files.values()].map((f) => f.abs));
    return applyBaseline(result.diagnostics, baseline, dirname(policyPath), checked, result.heldBack).filter(
      (d) => d.code !== 'TMES0953',
    );
  }

  /**
   * Publishes what every analysis found in one file: a library open on its
   * own and included by open policies gets the findings of each, once; a
   * file none of them reads any more is cleared.
   */
  function publish(uri: string): void {
    const seen = new Set<string>();
    const diagnostics: LspDiagnostic[] = [];
    for (const a of analyses.values())
      for (const d of a.found.get(uri) ?? []) {
        const k = JSON.stringify([d.range, d.code, d.message]);
        if (seen.has(k)) continue;
        seen.add(k);
        diagnostics.push(d);
      }
    const doc = documents.get(uri);
    connection.sendDiagnostics({ uri, ...(doc ? { version: doc.version } : {}), diagnostics });
  }

  function schedule(uri: string): void {
    clearTimeout(timers.get(uri));
    timers.set(
      uri,
      setTimeout(() => {
        timers.delete(uri);
        analyse(uri);
        // documents that include this one see its unsaved text too
        const path = toPath(uri);
        for (const [other, a] of analyses) if (other !== uri && a.reads.has(path)) analyse(other);
      }, 150),
    );
  }

  documents.onDidOpen((e) => schedule(e.document.uri));
  // files changed on disk (the watchers registered below): the analyses that read one, and all of them for a
  // configuration (one may appear where none was)
  connection.onDidChangeWatchedFiles((p) => {
    const changed = p.changes.map((c) => toPath(c.uri));
    const everything = changed.some((f) => (CONFIG_NAMES as readonly string[]).includes(basename(f)));
    for (const [uri, a] of analyses) if (everything || changed.some((f) => a.reads.has(f))) schedule(uri);
  });
  documents.onDidChangeContent((e) => schedule(e.document.uri));
  documents.onDidClose((e) => {
    clearTimeout(timers.get(e.document.uri));
    const before = analyses.get(e.document.uri);
    analyses.delete(e.document.uri);
    for (const u of new Set([e.document.uri, ...(before?.found.keys() ?? [])])) publish(u);
  });

  /** The document's analysis, made now if the last one is older than the text. */
  function current(uri: string): Analysis | undefined {
    const doc = documents.get(uri);
    if (!doc) return undefined;
    const a = analyses.get(uri);
    if (!a || a.version !== doc.version) {
      clearTimeout(timers.get(uri));
      analyse(uri);
    }
    return analyses.get(uri);
  }

  function rangeIn(index: PolicyIndex, file: string, start: number, end: number): Range {
    const doc = documents.get(toUri(file));
    if (doc) return { start: doc.positionAt(start), end: doc.positionAt(end) };
    const src = index.sources.get(file);
    const p = (o: number) => {
      const x = src ? src.position(o) : { line: 1, column: 1 };
      return { line: x.line - 1, character: x.column - 1 };
    };
    return { start: p(start), end: p(end) };
  }

  function occurrenceAt(uri: string, pos: { line: number; character: number }) {
    const doc = documents.get(uri);
    const a = current(uri);
    if (!doc || !a) return undefined;
    const path = toPath(uri);
    return { a, doc, path, offset: doc.offsetAt(pos), hit: a.index.at(path, doc.offsetAt(pos)) };
  }

  connection.onDefinition((p) => {
    const at = occurrenceAt(p.textDocument.uri, p.position);
    if (!at?.hit) return null;
    if ('target' in at.hit)
      return { uri: toUri(at.hit.target), range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } };
    const d = at.a.index.declaration(at.hit);
    return d ? { uri: toUri(d.file), range: rangeIn(at.a.index, d.file, d.start, d.end) } : null;
  });

  connection.onReferences((p) => {
    const at = occurrenceAt(p.textDocument.uri, p.position);
    if (!at?.hit || 'target' in at.hit) return [];
    const decl = at.a.index.declaration(at.hit);
    if (!decl) return [];
    return usesOf(decl)
      .flatMap(({ index, occurrences }) =>
        occurrences.map((o) => ({ o, range: rangeIn(index, o.file, o.start, o.end) })),
      )
      .filter(({ o }) => p.context.includeDeclaration || o.start !== decl.start || o.file !== decl.file)
      .map(({ o, range }) => ({ uri: toUri(o.file), range }));
  });

  /** Indexes of the workspace's policies no editor has open, by path, kept while the files are unchanged. */
  const workspaceIndexes = new Map<string, { stamp: string; index: PolicyIndex }>();
  const folders: string[] = [];

  /**
   * Every policy that uses a declaration, with its occurrences of the name:
   * the open documents' and, read from disk, the workspace's other policies,
   * those whose own or included files declare this very name (a policy with a
   * name of its own that is merely spelt the same is not touched).
   */
  function usesOf(decl: Declaration): { index: PolicyIndex; occurrences: Occurrence[] }[] {
    const indexes: PolicyIndex[] = [];
    const open = new Set<string>();
    for (const uri of documents.keys()) {
      const a = current(uri);
      if (a) indexes.push(a.index);
      open.add(toPath(uri));
    }
    for (const file of policyFiles(folders.length ? folders : [root])) {
      if (open.has(file)) continue;
      const now = stamp(file);
      if (!now) continue;
      let cached = workspaceIndexes.get(file);
      if (cached?.stamp !== now) {
        cached = { stamp: now, index: PolicyIndex.build(file, loading(read)) };
        workspaceIndexes.set(file, cached);
      }
      indexes.push(cached.index);
    }
    const seen = new Set<string>();
    const out: { index: PolicyIndex; occurrences: Occurrence[] }[] = [];
    for (const index of indexes) {
      const d = index.declarations.get(key(decl.ns, decl.name));
      if (!d || d.file !== decl.file || d.start !== decl.start) continue;
      const occurrences = index.referencesTo(decl.ns, decl.name).filter((x) => {
        const k = `${x.file}:${x.start}`;
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
      });
      out.push({ index, occurrences });
    }
    return out;
  }

  connection.onPrepareRename((p) => {
    const at = occurrenceAt(p.textDocument.uri, p.position);
    if (!at?.hit || 'target' in at.hit || !at.a.index.declaration(at.hit)) return null;
    return { range: rangeIn(at.a.index, at.path, at.hit.start, at.hit.end), placeholder: at.hit.name };
  });

  connection.onRenameRequest((p) => {
    const at = occurrenceAt(p.textDocument.uri, p.position);
    const decl = at?.hit && !('target' in at.hit) ? at.a.index.declaration(at.hit) : undefined;
    if (!at || !decl) return null;
    if (!NAME.test(p.newName) || KEYWORDS.includes(p.newName))
      throw new Error(`'${p.newName}' cannot be a name: letters, digits and _, single - between parts, not a keyword`);
    const users = usesOf(decl);
    const changes: WorkspaceEdit['changes'] = {};
    for (const { index, occurrences } of users) {
      // the new name must be free in every policy that sees this one
      const clash = index.declarations.get(key(decl.ns, p.newName));
      if (clash)
        throw new Error(
          `a ${clash.ns === 'define' ? 'definition' : clash.ns} named '${p.newName}' exists already (${rel(clash.file)}:${index.sources.get(clash.file)?.position(clash.start).line ?? 1})`,
        );
      for (const o of occurrences)
        (changes[toUri(o.file)] ??= []).push({
          range: rangeIn(index, o.file, o.start, o.end),
          newText: p.newName,
        });
    }
    return { changes };
  });

  connection.onHover((p) => {
    const at = occurrenceAt(p.textDocument.uri, p.position);
    if (!at) return null;
    const { a, path, offset } = at;
    const ctx = { index: a.index, policy: a.policy, graph: graphOf(a), rel };
    let value: string | undefined;
    if (at.hit && 'target' in at.hit) value = `includes \`${rel(at.hit.target)}\``;
    else if (at.hit) {
      const d: Declaration | undefined = a.index.declaration(at.hit);
      value = d ? describeDeclaration(ctx, d) : undefined;
    }
    if (!value) {
      const ast = a.index.asts.get(path);
      const q = ast && quantityAt(ast, offset);
      if (q) value = readableQuantity(q.q.amount.value, q.q.unit?.word, q.parent === 'Truncate');
    }
    if (!value) {
      const text = at.doc.getText();
      let s = offset;
      let e = offset;
      while (s > 0 && /[A-Za-z0-9_-]/.test(text[s - 1])) s--;
      while (e < text.length && /[A-Za-z0-9_-]/.test(text[e])) e++;
      const word = text.slice(s, e);
      // a code or name in a # tmesc-ignore comment: what it is
      const line = text.slice(text.lastIndexOf('\n', s - 1) + 1, s);
      value = /#\s*tmesc-ignore\b[^:]*$/.test(line) ? describeCode(word) : builtinWord(word);
    }
    return value ? { contents: { kind: 'markdown', value } } : null;
  });

  function graphOf(a: Analysis): MatchGraph | undefined {
    if (a.graph === undefined) {
      try {
        a.graph = a.policy ? compilePolicy(a.policy).graph : null;
      } catch {
        a.graph = null;
      }
    }
    return a.graph ?? undefined;
  }

  connection.onCompletion((p) => {
    const doc = documents.get(p.textDocument.uri);
    if (!doc) return [];
    const a = current(p.textDocument.uri);
    const kinds = {
      keyword: CompletionItemKind.Keyword,
      tap: CompletionItemKind.Variable,
      group: CompletionItemKind.Class,
      tool: CompletionItemKind.Field,
      define: CompletionItemKind.Constant,
      value: CompletionItemKind.Value,
      unit: CompletionItemKind.Unit,
    };
    const text = doc.getText();
    const offset = doc.offsetAt(p.position);
    // in a # tmesc-ignore comment, before its reason: the codes it can name, those reported on its statement first
    const line = text.slice(text.lastIndexOf('\n', offset - 1) + 1, offset);
    if (/#\s*tmesc-ignore\b[^:]*$/.test(line)) {
      const here = new Set(
        (a?.found.get(p.textDocument.uri) ?? [])
          .filter((d) => Math.abs(d.range.start.line - p.position.line) <= 1)
          .map((d) => String(d.code)),
      );
      return [...CODES.values()]
        .filter((c) => suppressible(c.code))
        .map((c) => ({
          label: c.code,
          kind: CompletionItemKind.Value,
          detail: `${c.name}: ${c.title}`,
          sortText: `${here.has(c.code) ? 0 : 1}${c.code}`,
          preselect: here.has(c.code),
        }));
    }
    return complete(text, offset, a?.index).map((c) => ({
      label: c.label,
      kind: kinds[c.kind],
      detail: c.detail,
    }));
  });

  connection.onCodeAction((p) => {
    const actions: CodeAction[] = [];
    for (const d of p.context.diagnostics) {
      const fix = (d.data as { fix?: { message: string; range: Range; text: string } } | undefined)?.fix;
      if (!fix) continue;
      actions.push({
        title: `${fix.message} (${String(d.code)})`,
        kind: CodeActionKind.QuickFix,
        diagnostics: [d],
        isPreferred: SAFE_FIXES.has(String(d.code)),
        edit: { changes: { [p.textDocument.uri]: [{ range: fix.range, newText: fix.text }] } },
      });
    }
    // accepting a warning or info with a # tmesc-ignore comment for its statement
    const doc = documents.get(p.textDocument.uri);
    const file = doc && current(p.textDocument.uri)?.index.sources.get(toPath(p.textDocument.uri));
    if (doc && file && file.text === doc.getText())
      for (const d of p.context.diagnostics) {
        const code = String(d.code ?? '');
        const edit = suppressionEdit(file, doc.offsetAt(d.range.start), code);
        if (!edit) continue;
        const at = doc.positionAt(edit.offset);
        actions.push({
          title: `Ignore ${code} (${CODES.get(code)?.name}) for this statement, with a reason`,
          kind: CodeActionKind.QuickFix,
          diagnostics: [d],
          edit: { changes: { [p.textDocument.uri]: [{ range: { start: at, end: at }, newText: edit.text }] } },
        });
      }
    return actions;
  });

  connection.onDocumentFormatting((p) => {
    const doc = documents.get(p.textDocument.uri);
    if (!doc) return [];
    const r = formatPolicy(toPath(p.textDocument.uri), doc.getText());
    if (!r.ok || r.text === doc.getText()) return [];
    const edit: TextEdit = {
      range: { start: doc.positionAt(0), end: doc.positionAt(doc.getText().length) },
      newText: r.text,
    };
    return [edit];
  });

  connection.onInitialized(() => {
    // included policies, configurations and baselines change on disk too (git checkout, another editor)
    if (watchFiles)
      void connection.client.register(DidChangeWatchedFilesNotification.type, {
        watchers: [{ globPattern: '**/*.tmes' }, { globPattern: '**/*.json' }],
      });
  });

  connection.onDocumentSymbol((p) => {
    const doc = documents.get(p.textDocument.uri);
    const ast = doc && current(p.textDocument.uri)?.index.asts.get(toPath(p.textDocument.uri));
    if (!doc || !ast) return [];
    const symbol = (e: OutlineEntry): DocumentSymbol => ({
      name: e.name,
      detail: e.detail,
      kind: SYMBOL_KINDS[e.kind],
      range: { start: doc.positionAt(e.start), end: doc.positionAt(e.end) },
      selectionRange: { start: doc.positionAt(e.nameStart), end: doc.positionAt(e.nameEnd) },
      children: e.children.map(symbol),
    });
    return outline(ast).map(symbol);
  });

  documents.listen(connection);
  connection.listen();
  return connection;
}

function toLsp(d: Diagnostic, doc: TextDocument | undefined): LspDiagnostic {
  const range = (file: SourceFile, start: number, end: number): Range => {
    if (doc && file.path === toPath(doc.uri))
      return { start: doc.positionAt(start), end: doc.positionAt(Math.max(start, end)) };
    const s = file.position(start);
    const e = file.position(Math.max(start, end));
    return { start: { line: s.line - 1, character: s.column - 1 }, end: { line: e.line - 1, character: e.column - 1 } };
  };
  const severity =
    d.severity === 'error'
      ? DiagnosticSeverity.Error
      : d.severity === 'warning'
        ? DiagnosticSeverity.Warning
        : DiagnosticSeverity.Information;
  return {
    range: range(d.span.file, d.span.start, d.span.end),
    severity,
    code: d.code,
    source: 'tmesc',
    message: d.message,
    ...(UNNECESSARY.has(d.code) ? { tags: [DiagnosticTag.Unnecessary] } : {}),
    relatedInformation: d.related?.map((r) => ({
      location: {
        uri: toUri(r.span.file.path),
        range: range(r.span.file, r.span.start, r.span.end),
      },
      message: r.message,
    })),
    ...(d.fix && d.fix.span.file.path === d.span.file.path
      ? {
          data: {
            fix: {
              message: d.fix.message,
              range: range(d.fix.span.file, d.fix.span.start, d.fix.span.end),
              text: d.fix.text,
            },
          },
        }
      : {}),
  };
}
