import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CodeActionRequest,
  CompletionRequest,
  createProtocolConnection,
  DefinitionRequest,
  DidChangeTextDocumentNotification,
  DidOpenTextDocumentNotification,
  DidChangeWatchedFilesNotification,
  DidCloseTextDocumentNotification,
  DocumentFormattingRequest,
  DocumentSymbolRequest,
  FileChangeType,
  RegistrationRequest,
  ExitNotification,
  HoverRequest,
  InitializedNotification,
  InitializeRequest,
  PublishDiagnosticsNotification,
  ReferencesRequest,
  RenameRequest,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
  type CodeAction,
  type CompletionItem,
  type DocumentSymbol,
  type Registration,
  type Diagnostic,
  type Hover,
  type Location,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
  type WorkspaceEdit,
} from 'vscode-languageserver-protocol/node';
import { BIN, built } from './built.js';

/**
 * The language server driven as an editor drives it: the built CLI started
 * as `tmesc lsp --stdio`, a JSON-RPC client (vscode-languageserver-protocol)
 * on its standard input and output.
 */
const TMP = mkdtempSync(join(tmpdir(), 'tmesc-lsp-'));
const LIB = join(TMP, 'lib', 'nets.tmes');
const POLICY = join(TMP, 'p.tmes');
const uri = (p: string) => pathToFileURL(p).href;

const LIB_TEXT = '# networks\ndefine net PRIVATE = 10.0.0.0/8, 192.168.0.0/16\ndefine ports WEB = 80, 443\n';
const POLICY_TEXT = [
  'policy "lsp"',
  'include "lib/nets.tmes"',
  'tap edge { source pcap "in.pcap" }',
  'group ids {',
  '  tool ids-1 { output pcap "ids-1.pcap"; rate 2 Gbps }',
  '  tool ids-2 { output pcap "ids-2.pcap"; rate 2 Gbps }',
  '}',
  'group rec {',
  '  tool r { output pcap "rec.pcap" }',
  '  truncate payload 64',
  '}',
  'rule web from edge match tcp port WEB and not src net PRIVATE to ids',
  'rule all  from edge match ip                                  to rec',
  'rule quiet from edge match tcp port 22                        drop rec',
  '',
].join('\n');

let child: ChildProcess;
let conn: ProtocolConnection;
const published = new Map<string, PublishDiagnosticsParams[]>();
const registrations: Registration[] = [];

/** The first diagnostics published for `u` after the `after`th publication for it that `ok` accepts. */
async function publishedAfter(u: string, after: number, ok: (ds: Diagnostic[]) => boolean): Promise<Diagnostic[]> {
  for (;;) {
    const got = (published.get(u) ?? []).slice(after).find((p) => ok(p.diagnostics));
    if (got) return got.diagnostics;
    await new Promise((r) => setTimeout(r, 20));
  }
}
const publications = (u: string) => (published.get(u) ?? []).length;

/** The next diagnostics published for `u` with at least `version`. */
async function diagnosticsFor(u: string, version: number): Promise<Diagnostic[]> {
  for (;;) {
    const got = (published.get(u) ?? []).find((p) => (p.version ?? 0) >= version);
    if (got) return got.diagnostics;
    await new Promise((r) => setTimeout(r, 20));
  }
}

function at(text: string, needle: string, nth = 0, delta = 0) {
  let i = -1;
  for (let k = 0; k <= nth; k++) i = text.indexOf(needle, i + 1);
  const before = text.slice(0, i + delta).split('\n');
  return { line: before.length - 1, character: before[before.length - 1].length };
}

describe.skipIf(!built)('tmesc lsp --stdio (built CLI, real JSON-RPC client)', () => {
  beforeAll(async () => {
    mkdirSync(join(TMP, 'lib'), { recursive: true });
    writeFileSync(LIB, LIB_TEXT);
    writeFileSync(POLICY, POLICY_TEXT);
    child = spawn(process.execPath, [BIN, 'lsp', '--stdio'], { cwd: TMP, stdio: ['pipe', 'pipe', 'inherit'] });
    conn = createProtocolConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    conn.onNotification(PublishDiagnosticsNotification.type, (p) => {
      published.set(p.uri, [...(published.get(p.uri) ?? []), p]);
    });
    conn.onRequest(RegistrationRequest.type, (p) => {
      registrations.push(...p.registrations);
    });
    conn.listen();
    const init = await conn.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: uri(TMP),
      capabilities: { workspace: { didChangeWatchedFiles: { dynamicRegistration: true } } },
      workspaceFolders: [{ uri: uri(TMP), name: 'tmp' }],
    });
    expect(init.capabilities.hoverProvider).toBe(true);
    await conn.sendNotification(InitializedNotification.type, {});
    await conn.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri: uri(POLICY), languageId: 'tmes', version: 1, text: POLICY_TEXT },
    });
  });

  afterAll(async () => {
    if (conn) {
      await conn.sendRequest(ShutdownRequest.type);
      await conn.sendNotification(ExitNotification.type);
      await new Promise((r) => child.once('exit', r));
      conn.dispose();
    }
    rmSync(TMP, { recursive: true, force: true });
  });

  it('publishes the policy clean, then diagnostics as you type (unsaved text, includes resolved)', async () => {
    // clean but for the note that this version's run does not truncate yet (TMES0900), where validate gives it
    const notRunYet = (ds: Diagnostic[]) => ds.filter((d) => d.code !== 'TMES0900');
    expect(notRunYet(await diagnosticsFor(uri(POLICY), 1))).toEqual([]);
    const edited = POLICY_TEXT.replace('match ip ', 'match ipp').replace('src net PRIVATE', 'src net PRIVAT');
    await conn.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri: uri(POLICY), version: 2 },
      contentChanges: [{ text: edited }],
    });
    const ds = await diagnosticsFor(uri(POLICY), 2);
    const codes = ds.map((d) => d.code);
    expect(codes).toContain('TMES0200');
    const unknown = ds.find((d) => String(d.message).includes("'PRIVAT'"))!;
    expect(unknown.range.start).toEqual(at(edited, 'PRIVAT'));
    expect(unknown.source).toBe('tmesc');
    // the fix travels with the diagnostic and comes back as a code action
    const actions = await conn.sendRequest(CodeActionRequest.type, {
      textDocument: { uri: uri(POLICY) },
      range: unknown.range,
      context: { diagnostics: [unknown] },
    });
    const action = actions!.find((a): a is CodeAction => 'edit' in a && a.edit !== undefined)!;
    expect(action.title).toContain("replace with 'PRIVATE'");
    expect(action.edit!.changes![uri(POLICY)][0].newText).toBe('PRIVATE');
    // back to the saved text: clean again
    await conn.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri: uri(POLICY), version: 3 },
      contentChanges: [{ text: POLICY_TEXT }],
    });
    expect(notRunYet(await diagnosticsFor(uri(POLICY), 3))).toEqual([]);
  });

  it('goes to a definition in an included file, and to the file of an include', async () => {
    const def = (await conn.sendRequest(DefinitionRequest.type, {
      textDocument: { uri: uri(POLICY) },
      position: at(POLICY_TEXT, 'PRIVATE', 0, 2),
    })) as Location;
    expect(def.uri).toBe(uri(LIB));
    expect(def.range.start).toEqual(at(LIB_TEXT, 'PRIVATE'));
    const inc = (await conn.sendRequest(DefinitionRequest.type, {
      textDocument: { uri: uri(POLICY) },
      position: at(POLICY_TEXT, 'lib/nets', 0, 3),
    })) as Location;
    expect(inc.uri).toBe(uri(LIB));
    const group = (await conn.sendRequest(DefinitionRequest.type, {
      textDocument: { uri: uri(POLICY) },
      position: at(POLICY_TEXT, 'to ids', 0, 4),
    })) as Location;
    expect(group.range.start).toEqual(at(POLICY_TEXT, 'ids {'));
  });

  it('hovers: a definition, a rate in readable units, a rule with its effective traffic, a service name', async () => {
    const hover = async (needle: string, nth = 0, delta = 1) =>
      (
        (await conn.sendRequest(HoverRequest.type, {
          textDocument: { uri: uri(POLICY) },
          position: at(POLICY_TEXT, needle, nth, delta),
        })) as Hover | null
      )?.contents as { value: string } | undefined;
    expect((await hover('WEB'))!.value).toContain('define ports WEB = 80, 443');
    expect((await hover('2 Gbps'))!.value).toContain('2 Gbps = 2,000,000,000 bits per second');
    expect((await hover('64'))!.value).toContain('64 = 64 bytes');
    const rule = (await hover('rule all', 0, 6))!.value;
    expect(rule).toContain('effective traffic');
    expect(rule).toContain('reaches rec (tool r), except what quiet drops');
    const web = (await hover('rule web', 0, 6))!.value;
    expect(web).toContain('reaches ids, balanced by session among ids-1, ids-2');
    expect((await hover('tool ids-1', 0, 6))!.value).toContain('rate: 2,000,000,000 bits per second');
  });

  it('completes taps after from, groups after to, port lists after port, block items, statement keywords', async () => {
    const complete = async (text: string, needle: string) => {
      await conn.sendNotification(DidChangeTextDocumentNotification.type, {
        textDocument: { uri: uri(POLICY), version: 10 + text.length },
        contentChanges: [{ text }],
      });
      const items = (await conn.sendRequest(CompletionRequest.type, {
        textDocument: { uri: uri(POLICY) },
        position: at(text, needle, 0, needle.length),
      })) as CompletionItem[];
      return items.map((i) => i.label);
    };
    expect(await complete(POLICY_TEXT + 'rule x from ', 'rule x from ')).toEqual(
      expect.arrayContaining(['any', 'edge']),
    );
    expect(await complete(POLICY_TEXT + 'rule x from edge match tcp to ', 'match tcp to ')).toEqual(['ids', 'rec']);
    expect(await complete(POLICY_TEXT + 'rule x match tcp port ', 'tcp port ')).toEqual(
      expect.arrayContaining(['WEB', 'https', 'ssh']),
    );
    expect(await complete(POLICY_TEXT + 'group g {\n  ', 'group g {\n  ')).toEqual(
      expect.arrayContaining(['tool', 'strip', 'balance']),
    );
    expect(await complete(POLICY_TEXT + '\n', POLICY_TEXT + '\n')).toEqual(
      expect.arrayContaining(['rule', 'define', 'tap']),
    );
    await conn.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri: uri(POLICY), version: 1000 },
      contentChanges: [{ text: POLICY_TEXT }],
    });
  });

  it('renames a definition in every file that uses it, open or not, and finds its references', async () => {
    // a policy no editor has open that uses the library, and one with a WEB of its own
    const USER = join(TMP, 'user.tmes');
    const OWN = join(TMP, 'own.tmes');
    const USER_TEXT = 'policy "user"\ninclude "lib/nets.tmes"\nrule r match tcp port WEB to g\n';
    writeFileSync(USER, USER_TEXT);
    writeFileSync(OWN, 'policy "own"\ndefine ports WEB = 8080\nrule r match tcp port WEB to g\n');
    await conn.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri: uri(LIB), languageId: 'tmes', version: 1, text: LIB_TEXT },
    });
    const refs = (await conn.sendRequest(ReferencesRequest.type, {
      textDocument: { uri: uri(LIB) },
      position: at(LIB_TEXT, 'WEB', 0, 1),
      context: { includeDeclaration: true },
    })) as Location[];
    expect(refs.map((r) => r.uri).sort()).toEqual([uri(LIB), uri(POLICY), uri(USER)].sort());
    const edit = (await conn.sendRequest(RenameRequest.type, {
      textDocument: { uri: uri(POLICY) },
      position: at(POLICY_TEXT, 'WEB', 0, 1),
      newName: 'WEB_PORTS',
    })) as WorkspaceEdit;
    expect(edit.changes![uri(LIB)]).toEqual([
      { range: { start: at(LIB_TEXT, 'WEB'), end: at(LIB_TEXT, 'WEB', 0, 3) }, newText: 'WEB_PORTS' },
    ]);
    expect(edit.changes![uri(POLICY)].map((e) => e.range.start)).toEqual([at(POLICY_TEXT, 'WEB')]);
    expect(edit.changes![uri(USER)].map((e) => e.range.start)).toEqual([at(USER_TEXT, 'WEB')]);
    expect(Object.keys(edit.changes!)).not.toContain(uri(OWN));
    // a name the policy that includes the library has already is refused, with where it is
    writeFileSync(USER, USER_TEXT + 'define ports HTTP = 80\n');
    await expect(
      conn.sendRequest(RenameRequest.type, {
        textDocument: { uri: uri(LIB) },
        position: at(LIB_TEXT, 'WEB', 0, 1),
        newName: 'HTTP',
      }),
    ).rejects.toThrow(/a definition named 'HTTP' exists already \(user\.tmes:4\)/);
    rmSync(USER);
    rmSync(OWN);
    await expect(
      conn.sendRequest(RenameRequest.type, {
        textDocument: { uri: uri(POLICY) },
        position: at(POLICY_TEXT, 'WEB', 0, 1),
        newName: 'tcp',
      }),
    ).rejects.toThrow(/cannot be a name/);
  });

  it('formats the document as tmesc fmt does', async () => {
    const messy = POLICY_TEXT.replace('rule web from', 'rule   web   from');
    await conn.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri: uri(POLICY), version: 2000 },
      contentChanges: [{ text: messy }],
    });
    const edits = await conn.sendRequest(DocumentFormattingRequest.type, {
      textDocument: { uri: uri(POLICY) },
      options: { tabSize: 2, insertSpaces: true },
    });
    expect(edits![0].newText).toContain('rule web   from edge match tcp port WEB and not src net PRIVATE to ids');
  });
  it('outlines the document: header, include, taps, groups with their tools, rules', async () => {
    const symbols = (await conn.sendRequest(DocumentSymbolRequest.type, {
      textDocument: { uri: uri(POLICY) },
    })) as DocumentSymbol[];
    await conn.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri: uri(POLICY), version: 3000 },
      contentChanges: [{ text: POLICY_TEXT }],
    });
    const again = (await conn.sendRequest(DocumentSymbolRequest.type, {
      textDocument: { uri: uri(POLICY) },
    })) as DocumentSymbol[];
    for (const list of [symbols, again]) {
      expect(list.map((x) => `${x.name}: ${x.detail}`)).toEqual([
        'lsp: policy',
        'lib/nets.tmes: include',
        'edge: pcap "in.pcap"',
        'ids: ',
        'rec: truncate',
        'web: to ids',
        'all: to rec',
        'quiet: drop rec',
      ]);
    }
    const ids = again.find((x) => x.name === 'ids')!;
    expect(ids.children!.map((t) => `${t.name}: ${t.detail}`)).toEqual([
      'ids-1: pcap "ids-1.pcap"',
      'ids-2: pcap "ids-2.pcap"',
    ]);
    expect(ids.selectionRange.start).toEqual(at(POLICY_TEXT, 'ids {'));
    expect(ids.range.end).toEqual(at(POLICY_TEXT, '}\ngroup rec', 0, 1));
  });

  it('shows the findings of an included file in it, and analyses again when it changes on disk', async () => {
    expect(registrations.map((r) => r.method)).toContain(DidChangeWatchedFilesNotification.method);
    const extra = join(TMP, 'lib', 'extra.tmes');
    const q = join(TMP, 'q.tmes');
    const qText =
      'policy "q"\ninclude "lib/extra.tmes"\ntap t { source pcap "in.pcap" }\ngroup g { tool o { output pcap "o.pcap" } }\nrule r from t match tcp port EXTRA to g\n';
    writeFileSync(extra, 'define ports EXTRA = 8080\n');
    writeFileSync(q, qText);
    await conn.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri: uri(q), languageId: 'tmes', version: 1, text: qText },
    });
    expect(await diagnosticsFor(uri(q), 1)).toEqual([]);
    const before = publications(uri(extra));
    // edited on disk (as git checkout would): the watcher's event, the policy analysed again, the finding in its file
    writeFileSync(extra, 'define ports EXTRA = 80800\n');
    await conn.sendNotification(DidChangeWatchedFilesNotification.type, {
      changes: [{ uri: uri(extra), type: FileChangeType.Changed }],
    });
    const inExtra = await publishedAfter(uri(extra), before, (ds) => ds.length > 0);
    expect(inExtra.map((d) => [d.code, d.range.start])).toEqual([['TMES0300', { line: 0, character: 21 }]]);
    // closed: nothing of its analysis is left in the included file
    const open = publications(uri(extra));
    await conn.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri: uri(q) } });
    expect(await publishedAfter(uri(extra), open, () => true)).toEqual([]);
  });

  it('applies the configuration and its baseline as validate does; a broken baseline is said on the policy', async () => {
    const dir = join(TMP, 'adopted');
    mkdirSync(dir, { recursive: true });
    const old =
      'policy "a"\ndefine ports OLD = 1\ntap t { source pcap "in.pcap" }\ngroup g { tool o { output pcap "o.pcap" } }\nrule r from t match tcp to g\n';
    const p = join(dir, 'a.tmes');
    writeFileSync(p, old);
    writeFileSync(join(dir, '.tmesc.json'), JSON.stringify({ baseline: 'known.json' }));
    const w = spawnSync(process.execPath, [BIN, 'validate', '--write-baseline', 'known.json', 'a.tmes'], { cwd: dir });
    expect(w.status).toBe(0);
    const text = old.replace('define ports OLD = 1\n', 'define ports OLD = 1\ndefine ports NEW = 2\n');
    await conn.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri: uri(p), languageId: 'tmes', version: 1, text },
    });
    // OLD is known to the baseline: only NEW is shown
    expect((await diagnosticsFor(uri(p), 1)).map((d) => d.message)).toEqual(["'NEW' is defined but never used"]);
    const before = publications(uri(p));
    writeFileSync(join(dir, 'known.json'), '{ "formatVersion": 1, "findings": [{ "code": "TMES0500" }] }');
    await conn.sendNotification(DidChangeWatchedFilesNotification.type, {
      changes: [{ uri: uri(join(dir, 'known.json')), type: FileChangeType.Changed }],
    });
    const broken = await publishedAfter(uri(p), before, (ds) => ds.some((d) => d.code === 'TMES0955'));
    // the findings all shown, and why the baseline is not applied, at the start of the policy
    const why = broken.find((d) => d.code === 'TMES0955')!;
    expect(why.range.start).toEqual({ line: 0, character: 0 });
    expect(why.message).toContain("known.json: $.findings[0]: missing member 'file'");
    expect(broken.filter((d) => d.code === 'TMES0500').length).toBe(2);
  });
  it('accepts a warning with a # tmesc-ignore for its statement (a code action), completes and explains codes there', async () => {
    const p = join(TMP, 'accept.tmes');
    const text = [
      'policy "accept"',
      'define ports SPARE = 8080',
      'define ports LAB = 9090  # the lab',
      'tap t { source pcap "in.pcap" }',
      'group g { tool o { output pcap "o.pcap" } }',
      'rule r from t match tcp to g',
      '',
    ].join('\n');
    writeFileSync(p, text);
    await conn.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri: uri(p), languageId: 'tmes', version: 1, text },
    });
    const ds = await diagnosticsFor(uri(p), 1);
    expect(ds.map((d) => d.code)).toEqual(['TMES0500', 'TMES0500']);
    const edits: string[] = [];
    let edited = text;
    // the later edit first, so the earlier one's position still holds
    for (const d of [...ds].reverse()) {
      const actions = (await conn.sendRequest(CodeActionRequest.type, {
        textDocument: { uri: uri(p) },
        range: d.range,
        context: { diagnostics: [d] },
      })) as CodeAction[];
      const ignore = actions.find((a) => a.title.startsWith('Ignore TMES0500'))!;
      expect(ignore.title).toBe('Ignore TMES0500 (unused-definition) for this statement, with a reason');
      const e = ignore.edit!.changes![uri(p)][0];
      edits.push(e.newText);
      const lines = edited.split('\n');
      const l = lines[e.range.start.line];
      lines[e.range.start.line] = l.slice(0, e.range.start.character) + e.newText + l.slice(e.range.start.character);
      edited = lines.join('\n');
    }
    // SPARE's line has no comment: at its end; LAB's has one: on a line of its own before it
    expect(edits).toEqual(['# tmesc-ignore TMES0500: \n', '  # tmesc-ignore TMES0500: ']);
    await conn.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri: uri(p), version: 2 },
      contentChanges: [{ text: edited }],
    });
    // accepted, and the reason asked for
    expect((await diagnosticsFor(uri(p), 2)).map((d) => d.code)).toEqual(['TMES0951', 'TMES0951']);
    const hover = (await conn.sendRequest(HoverRequest.type, {
      textDocument: { uri: uri(p) },
      position: at(edited, 'TMES0500', 0, 2),
    })) as Hover;
    expect((hover.contents as { value: string }).value).toContain('**TMES0500** `unused-definition` (warning)');
    // completion after tmesc-ignore: the codes that can be accepted, none that cannot
    const withComment = text.replace('define ports SPARE = 8080', 'define ports SPARE = 8080  # tmesc-ignore ');
    await conn.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri: uri(p), version: 3 },
      contentChanges: [{ text: withComment }],
    });
    await diagnosticsFor(uri(p), 3);
    const items = (await conn.sendRequest(CompletionRequest.type, {
      textDocument: { uri: uri(p) },
      position: at(withComment, 'tmesc-ignore ', 0, 'tmesc-ignore '.length),
    })) as CompletionItem[];
    const labels = items.map((i) => i.label);
    expect(labels).toContain('TMES0310');
    expect(labels).not.toContain('TMES0200');
    expect(labels).not.toContain('TMES0952');
    expect(items.find((i) => i.label === 'TMES0500')!.preselect).toBe(true);
  });
});
