import type { Diagnostic, Fix, RelatedInfo, Severity, Span } from '../../src/diagnostics/diagnostic.js';
import type { RuleLookup, RuleMeta } from '../../src/diagnostics/rule-meta.js';
import { SourceFile } from '../../src/diagnostics/source.js';

/** The span of the `nth` (1-based) occurrence of `needle` in the file. */
export function at(file: SourceFile, needle: string, nth = 1): Span {
  let from = -1;
  for (let i = 0; i < nth; i++) {
    from = file.text.indexOf(needle, from + 1);
    if (from < 0) throw new Error(`'${needle}' #${nth} not in ${file.path}`);
  }
  return { file, start: from, end: from + needle.length };
}

/** An empty span at `offset`. */
export function point(file: SourceFile, offset: number): Span {
  return { file, start: offset, end: offset };
}

export function diag(
  code: string,
  severity: Severity,
  message: string,
  span: Span,
  extra: { related?: RelatedInfo[]; fix?: Fix } = {},
): Diagnostic {
  return { code, severity, message, span, ...extra };
}

/** A small policy with a misspelt group name. */
export const DC_TEXT = [
  'policy "dc"',
  '',
  'group ids {',
  '  tool suricata { output interface "eth9" }',
  '}',
  'tap core-a { interface "eth0" }',
  'rule web from core-a match tcp to idss',
  '',
].join('\n');

export function dcFile(path = 'rules/dc.tmes'): SourceFile {
  return new SourceFile(path, DC_TEXT);
}

/** TMES0200 on `idss`, with a note pointing at `ids` and a fix. */
export function unknownGroup(file: SourceFile): Diagnostic {
  const idss = at(file, 'idss');
  return diag('TMES0200', 'error', "unknown group 'idss'; did you mean 'ids'?", idss, {
    related: [{ message: "'ids' is defined here", span: at(file, 'ids') }],
    fix: { message: "replace with 'ids'", span: idss, text: 'ids' },
  });
}

const RULES: Record<string, RuleMeta> = {
  TMES0200: {
    code: 'TMES0200',
    name: 'unknown-name',
    title: 'Unknown name',
    defaultSeverity: 'error',
    help: 'A name is used that no definition declares. Check the spelling or add the definition.',
    docsUrl: 'https://tmesc.example/docs/diagnostics#TMES0200',
    tags: ['correctness'],
  },
  TMES0310: {
    code: 'TMES0310',
    name: 'mixed-and-or',
    title: 'and/or mixed without parentheses',
    defaultSeverity: 'warning',
    help: 'and and or have equal precedence and group from left to right. Add parentheses.',
  },
  TMES0500: {
    code: 'TMES0500',
    name: 'unused-tool',
    title: 'Tool never used',
    defaultSeverity: 'info',
    help: 'No rule sends traffic to this tool.',
  },
};

export const lookupRule: RuleLookup = (code) => RULES[code];
