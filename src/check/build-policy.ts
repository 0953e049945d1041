import { createHash } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import type { Reporter } from '../diagnostics/bag.js';
import type { Group, Policy, Rule, Tap, TapMark, TapSource, Tool } from '../policy/policy.js';
import type * as A from '../syntax/ast.js';
import { ACTIONS, type ActionEnv, type ActionHandler } from './actions/index.js';
import { FALSE } from './filter-builders.js';
import type { LoadedFile } from './load.js';
import { FilterLowering } from './lower-filter.js';
import { checkPattern, problemSpan } from './patterns.js';
import { quantity } from './quantity.js';
import { DEFINE_KINDS, Symbols } from './symbols.js';
import { unknownWord } from './unknown-word.js';
import type { BuildCode } from './stages.js';
import { RATE_UNITS } from './units.js';

/**
 * Builds the checked policy from the files' syntax: declares every name,
 * resolves references, parses values and lowers filters. Every problem is a
 * diagnostic; the policy is built anyway (with the bad parts left out) so the
 * lint checks can still run over the rest. Structural problems (a group with
 * no tool, a setting given twice, ...) are the checks' (checks/), which read
 * the syntax; the builder takes the first of anything given twice.
 */
export class PolicyBuilder {
  readonly symbols: Symbols;
  private readonly lowering: FilterLowering;
  readonly ruleDecls: A.RuleDecl[] = [];
  /** Rules (by index) whose building reported an error: a part of them stands in as "false". */
  readonly brokenRules = new Set<number>();

  constructor(
    private readonly bag: Reporter<BuildCode>,
    private readonly files: readonly LoadedFile[],
    brokenNames: Set<string>,
  ) {
    this.symbols = new Symbols(bag, brokenNames);
    this.lowering = new FilterLowering(bag, this.symbols);
  }

  build(): Policy {
    this.declare();
    const taps: Tap[] = [];
    const groups: Group[] = [];
    const rules: Rule[] = [];
    for (const d of this.symbols.taps.values()) taps.push(this.tap(d, taps.length));
    let toolIndex = 0;
    for (const g of this.symbols.groups.values()) {
      const group = this.group(g, groups.length, toolIndex);
      toolIndex += group.tools.length;
      groups.push(group);
    }
    for (const f of this.files) {
      for (const st of f.ast.statements) {
        if (st.kind === 'Rule') {
          const before = this.bag.items.length;
          const quiet = this.symbols.failedQuietly;
          const r = this.rule(st, rules.length);
          if (quiet !== this.symbols.failedQuietly || this.bag.items.slice(before).some((d) => d.severity === 'error'))
            this.brokenRules.add(rules.length);
          rules.push(r);
          this.ruleDecls.push(st);
        }
      }
    }
    this.checkDefines();
    const root = this.files[0];
    const policyDecl = root?.ast.statements.find((s): s is A.PolicyDecl => s.kind === 'Policy');
    const hash = createHash('sha256');
    for (const f of this.files) hash.update(f.source.path).update('\0').update(f.source.text).update('\0');
    return {
      name: policyDecl?.name.value ?? root?.source.path ?? 'policy',
      files: this.files.map((f) => f.source.path),
      sourceHash: hash.digest('hex'),
      taps,
      groups,
      rules,
    };
  }

  private declare(): void {
    const s = this.symbols;
    for (const f of this.files) {
      for (const st of f.ast.statements) {
        switch (st.kind) {
          case 'Define': {
            const kind = DEFINE_KINDS[st.defKind.word];
            if (!kind) {
              unknownWord(this.bag, st.defKind.span, st.defKind.word, 'definition kind', [
                'net',
                'ports',
                'hosts',
                'macs',
                'pattern',
                'filter',
              ]);
              s.brokenNames.add(st.name.name);
              break;
            }
            s.declare(s.defines, 'definition', { kind, decl: st, library: !f.isRoot }, (x) => x.decl.name);
            break;
          }
          case 'Tap':
            s.declare(s.taps, 'tap', st, (x) => x.name);
            break;
          case 'Group':
            s.declare(s.groups, 'group', st, (x) => x.name);
            for (const t of st.tools) s.declare(s.tools, 'tool', { tool: t, group: st }, (x) => x.tool.name);
            break;
        }
      }
    }
  }

  /** Values of definitions that no filter happened to use still get checked. */
  private checkDefines(): void {
    for (const d of this.symbols.defines.values()) {
      const decl = d.decl;
      if (d.kind === 'filter') continue;
      if (d.kind === 'pattern') {
        const v = decl.values ?? [];
        if (v.length !== 1 || v[0].kind !== 'Regex') {
          this.bag.add(
            'TMES0210',
            decl.name.span,
            `define pattern takes exactly one /pattern/, not ${v.length === 1 ? `a ${describeValue(v[0])}` : `${v.length} values`}`,
          );
          continue;
        }
        const problem = checkPattern(v[0].source, v[0].flags);
        if (problem) this.bag.add(problem.code, problemSpan(v[0].span, v[0].source, problem), problem.message);
        continue;
      }
      if (this.symbols.used.has(decl)) continue; // already checked where it was used
      const lowering = new FilterLowering(this.bag, this.symbols);
      if (d.kind === 'ports' || d.kind === 'net' || d.kind === 'hosts') lowering.checkList(decl, d.kind);
      else if (d.kind === 'macs') {
        for (const v of decl.values ?? [])
          if (v.kind !== 'Mac') this.bag.add('TMES0011', v.span, 'expected a MAC address');
      }
      // checking marks what it names as used, which it is; the definition itself is not
      this.symbols.used.delete(decl);
    }
  }

  // ---- taps
  /** A tap's source (the first one given: a second is the duplicate-setting check's) and marks. */
  private tap(d: A.TapDecl, index: number): Tap {
    let source: TapSource | undefined;
    let sourceSeen = false;
    const marks: TapMark[] = [];
    const base = dirname(resolve(d.span.file.path));
    for (const item of d.items) {
      if (item.kind === 'Source' || item.kind === 'Inline') {
        if (sourceSeen) continue;
        sourceSeen = true;
        if (item.kind === 'Inline') {
          source = { kind: 'inline', left: item.left.value, right: item.right.value };
          continue;
        }
        const type = item.type.word;
        if (type === 'interface') {
          // more than one is the source-interface-count check's
          source = { kind: 'interface', name: item.paths[0]?.value ?? '' };
        } else if (type === 'pcap' || type === 'pcapng' || type === 'file') {
          source = {
            kind: 'files',
            format: type === 'file' ? 'auto' : type,
            paths: item.paths.map((p) => resolve(base, p.value)),
          };
        } else unknownWord(this.bag, item.type.span, type, 'source type', ['interface', 'pcap', 'pcapng', 'file']);
      } else {
        const mark = this.mark(item);
        if (mark) marks.push(mark);
      }
    }
    return {
      name: d.name.name,
      index,
      source: source ?? { kind: 'files', format: 'auto', paths: [] },
      marks,
      span: d.name.span,
    };
  }

  private mark(item: A.MarkItem): TapMark | undefined {
    const what = item.what.word;
    if (what === 'comment') return { kind: 'comment' };
    if (what !== 'vlan') {
      unknownWord(this.bag, item.what.span, what, 'mark', ['vlan', 'comment']);
      return undefined;
    }
    if (!item.value) {
      this.bag.add('TMES0301', item.span, 'mark vlan needs a VLAN id (1 to 4094)');
      return undefined;
    }
    let priority = 0;
    if (!Number.isInteger(item.value.value) || item.value.value < 1 || item.value.value > 4094)
      this.bag.add(
        'TMES0301',
        item.value.span,
        `VLAN id ${item.value.text} is out of range (1 to 4094 for a pushed tag)`,
      );
    for (const o of item.options) {
      if (o.name.word !== 'priority') unknownWord(this.bag, o.name.span, o.name.word, 'mark option', ['priority']);
      else if (!Number.isInteger(o.value.value) || o.value.value < 0 || o.value.value > 7)
        this.bag.add('TMES0301', o.value.span, `VLAN priority ${o.value.text} is out of range (0 to 7)`);
      else priority = o.value.value;
    }
    return { kind: 'vlan', id: item.value.value, priority };
  }

  // ---- groups
  /**
   * `precision us|ns` after a file output's target. Precision on an interface
   * and a second precision are the checks' (precision-on-interface,
   * duplicate-setting); the first valid one applies.
   */
  private outputOptions(item: A.OutputItem, output: Tool['output']): void {
    let seen = false;
    for (const { name, value } of item.options) {
      if (name.word !== 'precision') {
        unknownWord(this.bag, name.span, name.word, 'output option', ['precision']);
        continue;
      }
      if (seen || output.kind === 'interface') continue;
      seen = true;
      if (value.word !== 'us' && value.word !== 'ns')
        unknownWord(this.bag, value.span, value.word, 'precision', ['us', 'ns']);
      else output.precision = value.word;
    }
  }

  /** A tool's output and rate (the first of each: a second is the duplicate-setting check's). */
  private tool(d: A.ToolDecl, index: number): Tool {
    let output: Tool['output'] | undefined;
    let outputSeen = false;
    let rateBps: number | undefined;
    let rateSeen = false;
    const base = dirname(resolve(d.span.file.path));
    for (const item of d.items) {
      if (item.kind === 'Output') {
        if (outputSeen) continue;
        outputSeen = true;
        const type = item.type.word;
        if (type !== 'interface' && type !== 'pcap' && type !== 'pcapng') {
          unknownWord(this.bag, item.type.span, type, 'output type', ['interface', 'pcap', 'pcapng']);
          continue;
        }
        output = { kind: type, target: type === 'interface' ? item.target.value : resolve(base, item.target.value) };
        this.outputOptions(item, output);
      } else {
        if (rateSeen) continue;
        rateSeen = true;
        const bps = quantity(this.bag, item.rate, RATE_UNITS, 'rate', 'TMES0303');
        if (bps !== undefined && (!(bps > 0) || bps > 1e13))
          this.bag.add('TMES0303', item.rate.span, `rate must be above 0 and at most 10 Tbps`);
        else rateBps = bps;
      }
    }
    return { name: d.name.name, index, output: output ?? { kind: 'pcap', target: '' }, rateBps, span: d.name.span };
  }

  /** The group's tools, and its actions through one handler each (check/actions/). */
  private group(d: A.GroupDecl, index: number, firstTool: number): Group {
    const tools = d.tools
      .filter((t) => this.symbols.tools.get(t.name.name)?.tool === t)
      .map((t, i) => this.tool(t, firstTool + i));
    const env: ActionEnv = {
      bag: this.bag,
      symbols: this.symbols,
      group: d,
      actions: { strip: [], masks: [], replaces: [] },
      balance: { symmetric: true, inner: false },
    };
    const given = new Set<string>();
    for (const a of d.actions) {
      const handler = ACTIONS[a.kind] as ActionHandler;
      if (handler.repeat !== 'many') {
        if (given.has(a.kind)) continue;
        given.add(a.kind);
      }
      handler.apply(a, env);
    }
    return { name: d.name.name, index, tools, balance: env.balance, actions: env.actions, span: d.name.span };
  }

  // ---- rules
  private rule(d: A.RuleDecl, index: number): Rule {
    let taps: number[] | 'any' = 'any';
    const tapNames = [...this.symbols.taps.keys()];
    if (d.from !== 'any') {
      taps = [];
      for (const t of d.from) {
        const i = tapNames.indexOf(t.name);
        if (i < 0) this.symbols.unknown('tap', t, tapNames);
        else if (!taps.includes(i)) taps.push(i);
      }
    }
    const groupNames = [...this.symbols.groups.keys()];
    const groups: number[] = [];
    for (const g of d.groups) {
      const i = groupNames.indexOf(g.name);
      if (i >= 0) {
        if (!groups.includes(i)) groups.push(i);
        continue;
      }
      const tool = this.symbols.tools.get(g.name);
      this.symbols.unknown(
        'group',
        g,
        groupNames,
        tool ? ` ('${g.name}' is a tool of group '${tool.group.name.name}'; rules send to groups)` : '',
      );
    }
    const filter = this.lowering.lower(d.filter);
    return {
      name: d.name.name,
      index,
      taps,
      filter: filter ?? FALSE,
      action: d.action,
      groups,
      span: d.name.span,
      filterSpan: d.filter.span,
    };
  }
}

function describeValue(v: A.Value): string {
  switch (v.kind) {
    case 'String':
      return 'string (patterns are written /like this/)';
    case 'Ident':
      return `name ('${v.name}')`;
    case 'Word':
      return `word ('${v.word}')`;
    default:
      return v.kind === 'Range' || v.kind === 'Number' ? 'number' : 'address';
  }
}
