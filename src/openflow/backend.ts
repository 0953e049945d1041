import { DiagnosticBag, type Reporter } from '../diagnostics/bag.js';
import type { SourceFile } from '../diagnostics/source.js';
import { compilePolicy } from '../ir/compile.js';
import { CompileBudgetError } from '../ir/limits.js';
import type { MatchGraph } from '../ir/graph.js';
import type { Policy } from '../policy/policy.js';
import { flowsText, groupsText } from './emit.js';
import { parsePortsMap } from './ports-map.js';
import { MAX_COMBINED_GROUPS } from './group-bits.js';
import { mergeGraphs, splitPolicy } from './parts.js';
import { compileOpenFlow, type OpenFlowProgram } from './program.js';
import type { FieldsIn } from './switch-fields.js';
import { buildReport, type OpenFlowReport, reportText } from './report.js';

/** The files `tmesc compile --emit openflow -o DIR` writes into DIR. */
export const OPENFLOW_FILES = Object.freeze({ flows: 'flows.ofctl', groups: 'groups.ofctl', report: 'report.json' });

export interface OpenFlowOutput {
  program: OpenFlowProgram;
  report: OpenFlowReport;
  flows: string;
  groups: string;
  reportJson: string;
  reportText: string;
  /** Flows of the chosen graph in the layout not taken (undefined: not compiled, as with fieldsIn 'headers'). */
  otherLayoutFlows?: number;
}

/** Every code the backend reports (the ports map's and the program's). */
export const OPENFLOW_CODES = [
  'TMES0840',
  'TMES0841',
  'TMES0842',
  'TMES0843',
  'TMES0844',
  'TMES0845',
  'TMES0846',
  'TMES0847',
  'TMES0848',
] as const;

export type OpenFlowCode = (typeof OPENFLOW_CODES)[number];

/**
 * Segment budgets tried after the compiler's own: a graph of one segment
 * tells every combination of groups apart, which a CPU walks for free but a
 * switch pays in flows (each node is flows), while segments of fewer groups
 * share less but multiply less; the switch takes whichever needs the fewest
 * flows (its slow path walks each segment, the datapath cache is the same).
 */
export const SWITCH_SEGMENT_BUDGETS = [20_000, 2_000, 500];

/**
 * How many times the parts' flows the policy's own graph may need and its
 * segmentations still be tried (the compile bench's 1,422 flows become 599
 * with more segments; the broker policies' graphs need 20 to 30 times their
 * parts').
 */
const SEGMENTATION_REACH = 4;

/**
 * When the register layout is worth its datapath cost (option fieldsIn 'auto'): it saves at least a quarter of
 * the flows and at least 500 of them. Moving ports and addresses makes every datapath flow (megaflow) match them
 * whole: `npm run bench -- openflow-megaflows` measured 26% to 54% more megaflows (one per connection) for
 * the broker policy of 112 rules, whose flows it cuts by 29%; small programs keep the headers layout, large ones
 * (a third fewer flows from 1,000 rules) move.
 */
export const MOVE_PAYS_OFF = Object.freeze({ share: 0.25, flows: 500 });

function movesPayOff(headers: number, registers: number): boolean {
  const saved = headers - registers;
  return saved >= MOVE_PAYS_OFF.flows && saved >= MOVE_PAYS_OFF.share * headers;
}

export interface OpenFlowOptions {
  /** The names the report and the setup commands use for the files. */
  paths?: { flows: string; groups: string };
  /** The graph to compile (tests), instead of choosing among segmentations. */
  graph?: MatchGraph;
  /** Whether that graph's segments combine by to and drop bits (parts.ts) rather than each deciding its groups. */
  combined?: boolean;
  /**
   * 'parts': the policy split into parts combined by to and drop bits, whatever the flows (tests, to
   * run both ways on a switch); 'whole': the policy's own graph and its segmentations only. Default:
   * whichever needs fewer flows.
   */
  split?: 'parts' | 'whole';
  /** Where ports and IPv4 addresses are matched (switch-fields.ts FieldsIn); 'auto' (default): see chooseFieldsIn. */
  fieldsIn?: FieldsIn | 'auto';
}

/**
 * A checked policy for the switch a ports map describes: the flows, the
 * groups and the report, or undefined when the map or the policy has errors
 * (reported to `bag` with file, line and column).
 */
export function compileToOpenFlow(
  policy: Policy,
  portsMap: SourceFile,
  bag: Reporter<OpenFlowCode>,
  options: OpenFlowOptions = {},
): OpenFlowOutput | undefined {
  const paths = options.paths ?? { flows: OPENFLOW_FILES.flows, groups: OPENFLOW_FILES.groups };
  const before = bag.items.filter((d) => d.severity === 'error').length;
  const map = parsePortsMap(portsMap, policy, bag);
  if (bag.items.filter((d) => d.severity === 'error').length > before) return undefined;
  // the compiler's graph first (cached: validate made it); then more segments while they save flows
  // the policy in parts whose results combine in registers first: its flows grow with the rules, not their product
  const parts =
    options.graph || options.split === 'whole' || policy.groups.length > MAX_COMBINED_GROUPS
      ? undefined
      : splitPolicy(policy);
  if (options.split === 'parts' && !parts) throw new Error(`policy '${policy.name}' cannot be split into parts`);
  const graphs: { make: () => MatchGraph | undefined; combined: boolean }[] = options.graph
    ? [{ make: () => options.graph!, combined: options.combined ?? false }]
    : [
        ...(parts ? [{ make: () => mergeGraphs(parts.map((p) => compilePolicy(p).graph)), combined: true }] : []),
        ...(options.split === 'parts' ? [] : [{ make: () => compilePolicy(policy).graph, combined: false }]),
        ...(options.split === 'parts' ? [] : SWITCH_SEGMENT_BUDGETS).map((segment) => ({
          make: () => compilePolicy(policy, { budgets: { segment } }).graph,
          combined: false,
        })),
      ];
  const report = (diags: DiagnosticBag) => {
    for (const d of diags.items)
      bag.add(d.code as OpenFlowCode, d.span, d.message, d.related ? { related: [...d.related] } : undefined);
  };
  let best: { program: OpenFlowProgram; diags: DiagnosticBag; combined: boolean; graph: MatchGraph } | undefined;
  // the last of the policy's own segmentations: more segments go on while they save flows
  let last: { flows: number; segments: number } | undefined;
  for (const { make, combined } of graphs) {
    let graph: MatchGraph | undefined;
    try {
      graph = make();
    } catch (e) {
      // a cut the compiler's budgets refuse is no candidate (the compiler's own graph compiled: validate saw it)
      if (e instanceof CompileBudgetError && (best || combined)) continue;
      throw e;
    }
    if (!graph) continue;
    if (last && graph.segments.length === last.segments) continue;
    // a graph node is a flow or more: a graph far larger than the parts' program is not compiled to flows (a
    // segmentation with more segments may be smaller: it is looked at next)
    if (!combined && best?.combined && graph.nodes.length > SEGMENTATION_REACH * best.program.flows.length) continue;
    const diags = new DiagnosticBag();
    const program = compileOpenFlow(policy, graph, map, diags, combined ? (parts?.length ?? 1) : 0);
    if (!program) {
      // the same map and policy fail the same way however the graph is cut
      if (!best) {
        report(diags);
        return undefined;
      }
      break;
    }
    const flows = program.flows.length;
    if (!best || flows < best.program.flows.length) best = { program, diags, combined, graph };
    if (combined) continue;
    // segmentations seldom save more than half: far above the parts' count, the rest are not tried
    if (
      last ? flows >= last.flows || flows > 0.95 * last.flows : flows > SEGMENTATION_REACH * best.program.flows.length
    )
      break;
    last = { flows, segments: graph.segments.length };
  }
  if (!best) throw new Error(`policy '${policy.name}': its parts order their byte loads or predicates differently`);
  // the graph chosen, with its ports and IPv4 addresses moved into registers: taken when asked, or when it saves
  // enough flows to be worth a datapath flow per connection
  let otherLayoutFlows: number | undefined;
  if ((options.fieldsIn ?? 'auto') !== 'headers') {
    const diags = new DiagnosticBag();
    const parts = best.combined ? best.program.parts : 0;
    const moved = compileOpenFlow(policy, best.graph, map, diags, parts, 'registers');
    if (moved && (options.fieldsIn === 'registers' || movesPayOff(best.program.flows.length, moved.flows.length))) {
      otherLayoutFlows = best.program.flows.length;
      best = { ...best, program: moved, diags };
    } else otherLayoutFlows = moved?.flows.length;
  }
  report(best.diags);
  const program = best.program;
  const summary = buildReport(policy, program, { portsMap: portsMap.path, bridge: map.bridge, ...paths });
  return {
    program,
    report: summary,
    flows: flowsText(program, policy.name),
    groups: groupsText(program, policy.name),
    reportJson: JSON.stringify(summary, null, 2) + '\n',
    reportText: reportText(summary),
    otherLayoutFlows,
  };
}
