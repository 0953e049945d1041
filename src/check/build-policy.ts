import { createHash } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { DiagnosticBag } from '../diagnostics/bag.js';
import type { Span } from '../diagnostics/diagnostic.js';
import { didYouMean } from '../diagnostics/suggest.js';
import type { Group, GroupActions, MaskSpec, Policy, Rule, Tap, TapMark, TapSource, Tool } from '../policy/policy.js';
import type * as A from '../syntax/ast.js';
import { FALSE } from './filter-builders.js';
import type { LoadedFile } from './load.js';
import { FilterLowering } from './lower-filter.js';
import { BUILTIN_MASKS, STRIP_TARGETS } from './names.js';
import { checkPattern } from './patterns.js';
import { DEFINE_KINDS, Symbols } from './symbols.js';
import { DURATION_UNITS, RATE_UNITS, SIZE_UNITS } from './units.js';

/**
 * Builds the checked policy from the files' syntax: declares every name,
 * resolves references, parses values and lowers filters. Every problem is a
 * diagnostic; the policy is built anyway (with the bad parts left out) so the
 * lint checks can still run over the rest.
 */
export class PolicyBuilder {
  readonly symbols: Symbols;
  private readonly lowering: FilterLowering;
  readonly ruleDecls: A.RuleDecl[] = [];

  constructor(
    private readonly bag: DiagnosticBag,
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
          const r = this.rule(st, rules.length);
          if (r) {
            rules.push(r);
            this.ruleDecls.push(st);
          }
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
              this.unknownWord(st.defKind.span, st.defKind.word, 'definition kind', [
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

  private unknownWord(span: Span, word: string, what: string, accepted: readonly string[]): void {
    const guess = didYouMean(word, accepted);
    this.bag.add(
      'TMES0308',
      span,
      `unknown ${what} '${word}'${guess ? `; did you mean '${guess}'?` : ''} (accepted: ${accepted.join(', ')})`,
      guess ? { fix: { message: `replace with '${guess}'`, span, text: guess } } : undefined,
    );
  }

  private dup(span: Span, what: string, first: Span): void {
    this.bag.add('TMES0405', span, `${what} is given twice`, {
      related: [{ message: 'first given here', span: first }],
    });
  }

  /** Values of definitions that no filter happened to use still get checked. */
  private checkDefines(): void {
    for (const d of this.symbols.defines.values()) {
      const decl = d.decl;
      if (d.kind === 'filter') continue;
      if (d.kind === 'pattern') {
        const v = decl.values ?? [];
        if (v.length !== 1 || v[0].kind !== 'Regex') {
          this.bag.add('TMES0202', decl.name.span, `define pattern takes exactly one /pattern/`);
          continue;
        }
        const problem = checkPattern(v[0].source, v[0].flags);
        if (problem) this.bag.add(problem.code, v[0].span, problem.message);
        continue;
      }
      if (this.symbols.used.has(decl)) continue; // already checked where it was used
      const scratch = new DiagnosticBag();
      const lowering = new FilterLowering(scratch, this.symbols);
      if (d.kind === 'ports') lowering.portList(decl);
      else if (d.kind === 'net' || d.kind === 'hosts')
        lowering.netEntries(decl.name, d.kind === 'hosts' ? 'host' : 'net');
      else if (d.kind === 'macs') {
        for (const v of decl.values ?? [])
          if (v.kind !== 'Mac') scratch.add('TMES0011', v.span, 'expected a MAC address');
      }
      // netEntries marked the definition used; that was only a check
      this.symbols.used.delete(decl);
      this.bag.items.push(...scratch.items);
    }
  }

  // ---- taps
  private tap(d: A.TapDecl, index: number): Tap {
    let source: TapSource | undefined;
    let sourceSpan: Span | undefined;
    const marks: TapMark[] = [];
    const base = dirname(resolve(d.span.file.path));
    for (const item of d.items) {
      if (item.kind === 'Source' || item.kind === 'Inline') {
        if (sourceSpan) {
          this.dup(item.span, `tap '${d.name.name}' source`, sourceSpan);
          continue;
        }
        sourceSpan = item.span;
        if (item.kind === 'Inline') {
          source = { kind: 'inline', left: item.left.value, right: item.right.value };
          if (item.left.value === item.right.value)
            this.bag.add(
              'TMES0403',
              item.span,
              `inline tap '${d.name.name}' bridges '${item.left.value}' to itself; name two different interfaces`,
            );
          continue;
        }
        const type = item.type.word;
        if (type === 'interface') {
          if (item.paths.length !== 1)
            this.bag.add('TMES0010', item.span, 'source interface takes exactly one interface name');
          source = { kind: 'interface', name: item.paths[0]?.value ?? '' };
        } else if (type === 'pcap' || type === 'pcapng' || type === 'file') {
          source = {
            kind: 'files',
            format: type === 'file' ? 'auto' : type,
            paths: item.paths.map((p) => resolve(base, p.value)),
          };
        } else this.unknownWord(item.type.span, type, 'source type', ['interface', 'pcap', 'pcapng', 'file']);
      } else {
        const what = item.what.word;
        if (what === 'vlan') {
          if (!item.value) {
            this.bag.add('TMES0301', item.span, 'mark vlan needs a VLAN id (1 to 4094)');
            continue;
          }
          let priority = 0;
          if (!Number.isInteger(item.value.value) || item.value.value < 1 || item.value.value > 4094)
            this.bag.add(
              'TMES0301',
              item.value.span,
              `VLAN id ${item.value.text} is out of range (1 to 4094 for a pushed tag)`,
            );
          for (const o of item.options) {
            if (o.name.word !== 'priority') this.unknownWord(o.name.span, o.name.word, 'mark option', ['priority']);
            else if (!Number.isInteger(o.value.value) || o.value.value < 0 || o.value.value > 7)
              this.bag.add('TMES0301', o.value.span, `VLAN priority ${o.value.text} is out of range (0 to 7)`);
            else priority = o.value.value;
          }
          marks.push({ kind: 'vlan', id: item.value.value, priority });
        } else if (what === 'comment') {
          marks.push({ kind: 'comment' });
        } else this.unknownWord(item.what.span, what, 'mark', ['vlan', 'comment']);
      }
    }
    if (!source)
      this.bag.add(
        'TMES0404',
        d.name.span,
        `tap '${d.name.name}' has no source; add source interface "...", source pcap "...", or inline "a" <-> "b"`,
      );
    return {
      name: d.name.name,
      index,
      source: source ?? { kind: 'files', format: 'auto', paths: [] },
      marks,
      span: d.name.span,
    };
  }

  // ---- groups
  private quantity(
    q: A.Quantity,
    units: Record<string, number>,
    what: string,
    code: string,
    defaultUnit?: string,
  ): number | undefined {
    const unit = q.unit?.word ?? defaultUnit;
    if (unit === undefined) {
      this.bag.add(code, q.span, `${what} needs a unit (${Object.keys(units).join(', ')})`);
      return undefined;
    }
    const mult = units[unit];
    if (mult === undefined) {
      this.unknownWord(q.unit!.span, unit, `unit for ${what}`, Object.keys(units));
      return undefined;
    }
    return q.amount.value * mult;
  }

  /** `precision us|ns` after a file output's target. */
  private outputOptions(item: A.OutputItem, output: Tool['output']): void {
    let precisionSpan: Span | undefined;
    for (const { name, value } of item.options) {
      if (name.word !== 'precision') {
        this.unknownWord(name.span, name.word, 'output option', ['precision']);
        continue;
      }
      if (precisionSpan) {
        this.dup(name.span, 'output precision', precisionSpan);
        continue;
      }
      precisionSpan = name.span;
      if (output.kind === 'interface') {
        this.bag.add(
          'TMES0442',
          name.span,
          'precision applies to pcap and pcapng files; an interface sends packets as they are, with no timestamps',
        );
      } else if (value.word !== 'us' && value.word !== 'ns') {
        this.unknownWord(value.span, value.word, 'precision', ['us', 'ns']);
      } else output.precision = value.word;
    }
  }

  private tool(d: A.ToolDecl, index: number): Tool {
    let output: Tool['output'] | undefined;
    let outSpan: Span | undefined;
    let rateBps: number | undefined;
    let rateSpan: Span | undefined;
    const base = dirname(resolve(d.span.file.path));
    for (const item of d.items) {
      if (item.kind === 'Output') {
        if (outSpan) {
          this.dup(item.span, `tool '${d.name.name}' output`, outSpan);
          continue;
        }
        outSpan = item.span;
        const type = item.type.word;
        if (type !== 'interface' && type !== 'pcap' && type !== 'pcapng') {
          this.unknownWord(item.type.span, type, 'output type', ['interface', 'pcap', 'pcapng']);
          continue;
        }
        output = { kind: type, target: type === 'interface' ? item.target.value : resolve(base, item.target.value) };
        this.outputOptions(item, output);
      } else {
        if (rateSpan) {
          this.dup(item.span, `tool '${d.name.name}' rate`, rateSpan);
          continue;
        }
        rateSpan = item.span;
        const bps = this.quantity(item.rate, RATE_UNITS, 'rate', 'TMES0303');
        if (bps !== undefined && (!(bps > 0) || bps > 1e13))
          this.bag.add('TMES0303', item.rate.span, `rate must be above 0 and at most 10 Tbps`);
        else rateBps = bps;
      }
    }
    if (!output && !outSpan)
      this.bag.add(
        'TMES0401',
        d.name.span,
        `tool '${d.name.name}' has no output; add output interface "...", output pcap "..." or output pcapng "..."`,
      );
    return { name: d.name.name, index, output: output ?? { kind: 'pcap', target: '' }, rateBps, span: d.name.span };
  }

  private group(d: A.GroupDecl, index: number, firstTool: number): Group {
    const tools = d.tools
      .filter((t) => this.symbols.tools.get(t.name.name)?.tool === t)
      .map((t, i) => this.tool(t, firstTool + i));
    const actions: GroupActions = { strip: [], masks: [], replaces: [] };
    const balance = { symmetric: true, inner: false };
    const seen = new Map<string, Span>();
    const once = (a: A.GroupAction, key: string): boolean => {
      const first = seen.get(key);
      if (first) {
        this.bag.add(
          key === 'truncate' || key === 'timestamp' ? 'TMES0411' : 'TMES0405',
          a.span,
          `'${key}' is given twice in group '${d.name.name}'`,
          { related: [{ message: 'first given here', span: first }] },
        );
        return false;
      }
      seen.set(key, a.span);
      return true;
    };
    for (const a of d.actions) {
      switch (a.kind) {
        case 'Balance': {
          if (!once(a, 'balance')) break;
          const [mode, ...opts] = a.words;
          if (mode.word !== 'session') {
            this.unknownWord(mode.span, mode.word, 'balance mode', ['session']);
            break;
          }
          for (const o of opts) {
            if (o.word === 'symmetric') balance.symmetric = true;
            else if (o.word === 'asymmetric') balance.symmetric = false;
            else if (o.word === 'inner') balance.inner = true;
            else this.unknownWord(o.span, o.word, 'balance option', ['symmetric', 'asymmetric', 'inner']);
          }
          break;
        }
        case 'Shape': {
          if (!once(a, 'shape')) break;
          if (a.what.word !== 'burst') {
            this.unknownWord(a.what.span, a.what.word, 'shape setting', ['burst']);
            break;
          }
          const bytes = this.quantity(a.amount, SIZE_UNITS, 'burst size', 'TMES0304');
          if (bytes === undefined) break;
          if (bytes < 1500 || bytes > 1e9)
            this.bag.add('TMES0304', a.amount.span, `burst size must be between 1500 B (one full frame) and 1 GB`);
          else actions.shape = { burstBytes: Math.round(bytes) };
          break;
        }
        case 'Strip':
          for (const t of a.targets) {
            if (!STRIP_TARGETS.includes(t.word)) this.unknownWord(t.span, t.word, 'strip target', STRIP_TARGETS);
            else if (!actions.strip.includes(t.word)) actions.strip.push(t.word);
          }
          break;
        case 'Mask':
          for (const t of a.targets) {
            const fill = t.fill?.value ?? '*';
            if ([...fill].length !== 1) {
              this.bag.add('TMES0311', t.fill!.span, `mask fill must be exactly one character, not "${fill}"`);
              continue;
            }
            const spec = this.maskSpec(t, fill);
            if (spec) actions.masks.push(spec);
          }
          break;
        case 'Replace': {
          const re = this.patternOf(a.pattern);
          if (re) actions.replaces.push({ source: re.source, flags: re.flags, text: a.text.value });
          break;
        }
        case 'Truncate': {
          if (!once(a, 'truncate')) break;
          const what = a.what.word;
          if (what !== 'payload' && what !== 'frame') {
            this.unknownWord(a.what.span, what, 'truncate target', ['payload', 'frame']);
            break;
          }
          const bytes = this.quantity(a.amount, SIZE_UNITS, 'truncate length', 'TMES0304', 'B');
          if (bytes === undefined) break;
          const min = what === 'frame' ? 14 : 0;
          if (!Number.isInteger(bytes) || bytes < min || bytes > 262144)
            this.bag.add('TMES0304', a.amount.span, `truncate ${what} takes ${min} to 262144 bytes`);
          else actions.truncate = { what, bytes };
          break;
        }
        case 'Timestamp': {
          if (!once(a, 'timestamp')) break;
          const [first, ...rest] = a.words;
          if (first.word !== 'ip-option') {
            this.unknownWord(first.span, first.word, 'timestamp method', ['ip-option']);
            break;
          }
          let ipv6: 'skip' | 'destination-option' | 'hop-by-hop' = 'skip';
          if (rest.length) {
            const [kw, how, ...extra] = rest;
            const ok = ['skip', 'destination-option', 'hop-by-hop'];
            if (kw.word !== 'ipv6' || !how || extra.length) {
              this.bag.add(
                'TMES0010',
                kw.span,
                `after timestamp ip-option, write ipv6 skip|destination-option|hop-by-hop`,
              );
              break;
            }
            if (!ok.includes(how.word)) {
              this.unknownWord(how.span, how.word, 'IPv6 timestamp method', ok);
              break;
            }
            ipv6 = how.word as typeof ipv6;
          }
          actions.timestamp = { ipv4: 'ip-option', ipv6 };
          break;
        }
        case 'Dedup': {
          if (!once(a, 'dedup')) break;
          let ns = 10e6;
          if (a.what) {
            if (a.what.word !== 'window') {
              this.unknownWord(a.what.span, a.what.word, 'dedup setting', ['window']);
              break;
            }
            const v = this.quantity(a.amount!, DURATION_UNITS, 'dedup window', 'TMES0304');
            if (v === undefined) break;
            if (v < 1e3 || v > 10e9) {
              this.bag.add('TMES0304', a.amount!.span, 'dedup window must be between 1 us and 10 s');
              break;
            }
            ns = v;
          }
          actions.dedup = { windowNs: Math.round(ns) };
          break;
        }
      }
    }
    if (d.tools.length === 0 && !d.incomplete)
      this.bag.add('TMES0400', d.name.span, `group '${d.name.name}' has no tool; add tool NAME { output ... }`);
    return { name: d.name.name, index, tools, balance, actions, span: d.name.span };
  }

  private patternOf(p: A.RegexLit | A.Ident | A.Word): { source: string; flags: string } | undefined {
    if (p.kind === 'Regex') {
      const problem = checkPattern(p.source, p.flags);
      if (problem) {
        this.bag.add(problem.code, p.span, problem.message);
        return undefined;
      }
      return { source: p.source, flags: p.flags };
    }
    const name: A.Ident = p.kind === 'Ident' ? p : { kind: 'Ident', name: p.word, span: p.span };
    const s = this.symbols.define(name);
    if (!s) {
      this.symbols.unknown('pattern', name, [
        ...BUILTIN_MASKS,
        ...[...this.symbols.defines.values()].filter((x) => x.kind === 'pattern').map((x) => x.decl.name.name),
      ]);
      return undefined;
    }
    const re = s.decl.values?.[0];
    if (s.kind !== 'pattern' || !re || re.kind !== 'Regex') {
      this.symbols.wrongKind(p.span, name.name, s.kind, 'a pattern');
      return undefined;
    }
    return checkPattern(re.source, re.flags) ? undefined : { source: re.source, flags: re.flags };
  }

  private maskSpec(t: A.MaskTarget, fill: string): MaskSpec | undefined {
    if (t.pattern.kind === 'Word' && BUILTIN_MASKS.includes(t.pattern.word))
      return { kind: t.pattern.word as 'card-number', fill };
    const re = this.patternOf(t.pattern);
    return re ? { kind: 'regex', source: re.source, flags: re.flags, fill } : undefined;
  }

  // ---- rules
  private rule(d: A.RuleDecl, index: number): Rule | undefined {
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
