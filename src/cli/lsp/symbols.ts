import type * as A from '../../syntax/ast.js';

/** The kinds of outline entries, named as LSP's SymbolKind values are (the server maps them). */
export type OutlineKind = 'policy' | 'include' | 'define' | 'tap' | 'group' | 'tool' | 'rule';

export interface OutlineEntry {
  name: string;
  /** What it is, in a few words: 'ports', 'to ids, rec', 'pcap "o.pcap"'. */
  detail: string;
  kind: OutlineKind;
  /** The whole statement (or tool block). */
  start: number;
  end: number;
  /** The name within it. */
  nameStart: number;
  nameEnd: number;
  children: OutlineEntry[];
}

/**
 * A file's outline, in text order: the policy header, includes, definitions,
 * taps, groups with their tools, rules. Read from the syntax tree, so a file
 * with errors still has one.
 */
export function outline(ast: A.PolicyFile): OutlineEntry[] {
  const entry = (
    kind: OutlineKind,
    node: { span: A.Ident['span'] },
    name: { span: A.Ident['span'] },
    text: string,
    detail: string,
    children: OutlineEntry[] = [],
  ): OutlineEntry => ({
    name: text,
    detail,
    kind,
    start: node.span.start,
    end: Math.max(node.span.end, name.span.end),
    nameStart: name.span.start,
    nameEnd: name.span.end,
    children,
  });
  const out: OutlineEntry[] = [];
  for (const st of ast.statements) {
    switch (st.kind) {
      case 'Policy':
        out.push(entry('policy', st, st.name, st.name.value || '(policy)', 'policy'));
        break;
      case 'Include':
        out.push(entry('include', st, st.path, st.path.value || '(include)', 'include'));
        break;
      case 'Define':
        out.push(entry('define', st, st.name, st.name.name, st.defKind.word));
        break;
      case 'Tap': {
        const source = st.items.find((i): i is A.SourceItem => i.kind === 'Source');
        const detail = source
          ? `${source.type.word} ${source.paths.map((p) => JSON.stringify(p.value)).join(', ')}`
          : '';
        out.push(entry('tap', st, st.name, st.name.name, detail));
        break;
      }
      case 'Group': {
        const tools = st.tools.map((t) => {
          const output = t.items.find((i): i is A.OutputItem => i.kind === 'Output');
          return entry(
            'tool',
            t,
            t.name,
            t.name.name,
            output ? `${output.type.word} ${JSON.stringify(output.target.value)}` : '',
          );
        });
        const actions = [...new Set(st.actions.map((a) => a.kind.toLowerCase()))].join(', ');
        out.push(entry('group', st, st.name, st.name.name, actions, tools));
        break;
      }
      case 'Rule':
        out.push(entry('rule', st, st.name, st.name.name, `${st.action} ${st.groups.map((g) => g.name).join(', ')}`));
        break;
    }
  }
  return out;
}
