import type { LoadedFile } from '../../check/load.js';
import { DiagnosticBag } from '../../diagnostics/bag.js';
import type { SourceFile } from '../../diagnostics/source.js';
import type * as A from '../../syntax/ast.js';
import { tokenize } from '../../syntax/lexer.js';
import { parseSource } from '../../syntax/parse.js';

/**
 * The statements and block items of a file (rules, definitions, taps, groups,
 * tools, a tool's output and rate, a group's actions, a tap's source and
 * mark), by the lines they cover and by their tokens. Suppressions and
 * baseline keys are about these rather than about physical lines, so that
 * `tmesc fmt` breaking a long rule over several lines, or joining nothing,
 * leaves both as they were: layout is whitespace and comments, and neither
 * counts here.
 */
export interface Construct {
  start: number;
  end: number;
  firstLine: number;
  lastLine: number;
  /** Its tokens, one space apart; for a block (tap, group, tool), those before its `{`. */
  key: string;
}

const cache = new WeakMap<SourceFile, Construct[]>();

/** Remembers the syntax trees the checker already built, so nothing is parsed twice. */
export function rememberTrees(files: readonly LoadedFile[]): void {
  for (const f of files) if (!cache.has(f.source)) cache.set(f.source, build(f.source, f.ast));
}

export function constructsOf(file: SourceFile): Construct[] {
  let found = cache.get(file);
  if (!found) {
    found = build(file, parseSource(file, new DiagnosticBag()).ast);
    cache.set(file, found);
  }
  return found;
}

/** The smallest construct holding an offset, if any. */
export function constructAt(file: SourceFile, offset: number): Construct | undefined {
  let best: Construct | undefined;
  for (const c of constructsOf(file))
    if (
      offset >= c.start &&
      offset < Math.max(c.end, c.start + 1) &&
      (!best || c.end - c.start < best.end - best.start)
    )
      best = c;
  return best;
}

/**
 * The lines a `# tmesc-ignore` comment speaks for: at the end of a line, the
 * largest construct that ends on that line (a rule fmt broke over four lines
 * ends on the line of its `to`); on a line of its own, the largest construct
 * that starts on the next line with code. Just that line when none does.
 */
export function linesSilenced(file: SourceFile, line: number, ownLine: boolean): { from: number; to: number } {
  let best: Construct | undefined;
  for (const c of constructsOf(file)) {
    if ((ownLine ? c.firstLine : c.lastLine) !== line) continue;
    if (!best || c.end - c.start > best.end - best.start) best = c;
  }
  return best ? { from: best.firstLine, to: best.lastLine } : { from: line, to: line };
}

function build(file: SourceFile, ast: A.PolicyFile): Construct[] {
  const tokens = tokenize(file, new DiagnosticBag());
  const out: Construct[] = [];
  const add = (node: { span: { start: number; end: number } }, block: boolean) => {
    const { start, end } = node.span;
    if (end <= start) return;
    const words: string[] = [];
    // tokens are in text order: start at the first one at or after `start`
    let lo = 0;
    let hi = tokens.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (tokens[mid].startOffset < start) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < tokens.length; i++) {
      const t = tokens[i];
      if (t.startOffset >= end) break;
      if (block && t.image === '{') break;
      words.push(t.image);
    }
    out.push({
      start,
      end,
      firstLine: file.position(start).line,
      lastLine: file.position(end - 1).line,
      key: words.join(' '),
    });
  };
  for (const st of ast.statements) {
    switch (st.kind) {
      case 'Tap':
        add(st, true);
        for (const i of st.items) add(i, false);
        break;
      case 'Group':
        add(st, true);
        for (const t of st.tools) {
          add(t, true);
          for (const i of t.items) add(i, false);
        }
        for (const a of st.actions) add(a, false);
        break;
      default:
        add(st, false);
    }
  }
  return out;
}
