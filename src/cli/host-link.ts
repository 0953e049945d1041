import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Artifact } from '../artifact/types.js';
import { DiagnosticBag } from '../diagnostics/bag.js';
import { renderText } from '../diagnostics/render/index.js';
import { SourceFile } from '../diagnostics/source.js';
import { escapeForTerminal } from '../diagnostics/render/terminal.js';
import { compileToOpenFlow } from '../openflow/backend.js';
import type { OpenFlowReport } from '../openflow/report.js';
import { OPENFLOW_REPORT_SCHEMA } from '../openflow/report-schema.js';
import { CaptureError } from '../runtime/capture/index.js';
import type { PacketPathChoice } from '../runtime/engine/packet-path-choice.js';
import { type HostLinkPlan, type HostLinkStats, runHostLink } from '../runtime/host-link/host-link.js';
import { ActionsNotPerformed, RunError } from '../runtime/run/run.js';
import { renderStatsText } from '../runtime/stats/stats.js';
import { actionWarnings } from '../runtime/actions/warnings.js';
import { EXIT, PolicyInvalid, UsageError, type Io } from './io.js';
import { JsonFileError, readJson } from './json-file.js';
import { loadValidPolicy } from './load-policy.js';

/**
 * The host's side of the link from what the compiler's report says of it
 * (report.json's `host` and `groups`), as indices into the artifact: the code
 * table the switch's program was made with, so the two ends read one table.
 */
export function hostLinkPlan(report: OpenFlowReport, a: Artifact): HostLinkPlan {
  if (!report.host)
    throw new UsageError(`${report.portsMap}: the ports map has no host line: the switch sends nothing to a host`);
  const tapIndex = (name: string) => {
    const i = a.taps.findIndex((t) => t.name === name);
    if (i < 0) throw new UsageError(`${report.portsMap}: the report names tap '${name}', which the policy lacks`);
    return i;
  };
  const groupIndex = (name: string) => {
    const i = a.groups.findIndex((g) => g.name === name);
    if (i < 0) throw new UsageError(`${report.portsMap}: the report names group '${name}', which the policy lacks`);
    return i;
  };
  const hostGroups = new Uint8Array(a.groups.length);
  for (const g of report.groups) if (g.side === 'host') hostGroups[groupIndex(g.name)] = 1;
  const groupReturn: (Int32Array | undefined)[] = a.groups.map(() => undefined);
  const toolReturn = a.groups.map((g) => new Int32Array(g.tools.length).fill(-1));
  for (const g of report.groups)
    if (g.side === 'switch') groupReturn[groupIndex(g.name)] = new Int32Array(a.taps.length).fill(-1);
  for (const f of report.host.fromHost) {
    if ('group' in f) {
      const codes = groupReturn[groupIndex(f.group)];
      if (!codes) throw new UsageError(`${report.portsMap}: the report returns packets for host group '${f.group}'`);
      for (const t of f.markedAs) codes[tapIndex(t)] = f.vid;
    } else {
      const gi = a.groups.findIndex((g) => g.tools.some((t) => t.name === f.tool));
      if (gi < 0) throw new UsageError(`${report.portsMap}: the report names tool '${f.tool}', which the policy lacks`);
      toolReturn[gi][a.groups[gi].tools.findIndex((t) => t.name === f.tool)] = f.vid;
    }
  }
  const toHost = new Map<number, { tap: number; all: boolean }>();
  for (const c of report.host.toHost) toHost.set(c.vid, { tap: tapIndex(c.tap), all: c.means === 'all-groups' });
  return { toHost, hostGroups, groupReturn, toolReturn };
}

export interface HostLinkCmdOptions {
  /** The ports map, to compile the OpenFlow program again for its code table; or: */
  ports?: string;
  /** report.json as `compile --emit openflow` wrote it for the switch: its code table, read, not compiled again. */
  report?: string;
  hostLink: string;
  hostReturn?: string;
  outDir?: string;
  stats: string;
  packetPath: PacketPathChoice;
  includeRoots: string[];
}

/** The report the switch's program came with (`--report`): read against its schema, for this policy. */
export function readHostReport(path: string, cwd: string, a: Artifact): OpenFlowReport {
  let text: string;
  try {
    text = readFileSync(resolve(cwd, path), 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read the OpenFlow report ${path}: ${(e as Error).message}`);
  }
  let report: OpenFlowReport;
  try {
    report = readJson<OpenFlowReport>(path, text, OPENFLOW_REPORT_SCHEMA);
  } catch (e) {
    if (e instanceof JsonFileError) throw new UsageError(`not an OpenFlow report of tmesc compile:\n${e.message}`);
    throw e;
  }
  if (report.policy !== a.policy.name)
    throw new UsageError(`${path}: the report is for policy "${report.policy}", this is policy "${a.policy.name}"`);
  return report;
}

/**
 * run --ports MAP --host-link FILE: the host end of the switch's host link,
 * offline. The OpenFlow program is compiled again from the policy and the
 * map (as `compile --emit openflow` does, so its code table is the one the
 * switch was loaded with), and its report says what each code means; with
 * --report, the report.json written with the switch's program says it (no
 * compile, and the very table the switch has).
 */
export async function runHostLinkCommand(
  policyPath: string,
  artifact: Artifact,
  opts: HostLinkCmdOptions,
  io: Io,
): Promise<number> {
  const report =
    opts.report !== undefined
      ? readHostReport(opts.report, io.cwd, artifact)
      : compileHostReport(policyPath, opts.ports!, opts.includeRoots, io);
  const plan = hostLinkPlan(report, artifact);
  const returnPath = resolve(io.cwd, opts.hostReturn ?? join(opts.outDir ?? '.', `${report.host!.name}-return.pcap`));
  try {
    const { stats, link } = await runHostLink(artifact, plan, {
      input: resolve(io.cwd, opts.hostLink),
      returnPath,
      outDir: opts.outDir === undefined ? undefined : resolve(io.cwd, opts.outDir),
      packetPath: opts.packetPath,
      note: (m) => io.err(`tmesc: note: ${escapeForTerminal(m)}\n`),
      warn: (m) => io.err(`tmesc: warning: ${escapeForTerminal(m)}\n`),
    });
    io.out(
      opts.stats === 'json'
        ? JSON.stringify({ ...stats, hostLink: link }, null, 2) + '\n'
        : renderStatsText(stats) + hostLinkText(link),
    );
    for (const w of actionWarnings(stats)) io.err(`tmesc: warning: ${w}\n`);
    return EXIT.ok;
  } catch (e) {
    if (e instanceof ActionsNotPerformed) throw new PolicyInvalid(e.message);
    if (e instanceof RunError || e instanceof CaptureError) throw new UsageError(e.message);
    throw e;
  }
}

/** The host end's plan, live: from --report's file, or the program compiled again from --ports. */
export function hostLinkPlanFor(
  policyPath: string,
  artifact: Artifact,
  ports: string | undefined,
  report: string | undefined,
  includeRoots: string[],
  io: Io,
): HostLinkPlan {
  const r =
    report !== undefined
      ? readHostReport(report, io.cwd, artifact)
      : compileHostReport(policyPath, ports!, includeRoots, io);
  return hostLinkPlan(r, artifact);
}

/** The report of the OpenFlow program compiled again from the policy and the ports map. */
function compileHostReport(policyPath: string, ports: string, includeRoots: string[], io: Io): OpenFlowReport {
  const { policy } = loadValidPolicy(policyPath, io, { includeRoots });
  let mapText: string;
  try {
    mapText = readFileSync(resolve(io.cwd, ports), 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read the ports map ${ports}: ${(e as Error).message}`);
  }
  const bag = new DiagnosticBag();
  const out = compileToOpenFlow(policy, new SourceFile(ports, mapText), bag);
  const errors = bag.items.filter((d) => d.severity === 'error');
  if (errors.length) io.err(renderText(errors, { fileCount: 1 }));
  if (!out) throw new PolicyInvalid(`${ports}: the policy cannot be compiled for this switch; see the errors above`);
  return out.report;
}

export function hostLinkText(l: HostLinkStats): string {
  const lines = [`host link ${l.input}: ${l.read} packets`];
  for (const c of l.toHost)
    lines.push(
      `  VLAN ${c.vid} from tap ${c.tap} (${c.all ? 'the host decides every group' : "the host's groups"}): ${c.packets}`,
    );
  if (l.noHostGroup)
    lines.push(`  taken by no host group (copies the switch's pre-filter let through; dropped): ${l.noHostGroup}`);
  if (l.unknown) lines.push(`  no code of the link to the host (dropped): ${l.unknown}`);
  if (l.echoed) lines.push(`  the host's own returns, seen going out (passed over): ${l.echoed}`);
  lines.push(`returned to the switch ${l.returnPath}: ${l.returned.reduce((s, r) => s + r.packets, 0)} packets`);
  for (const r of l.returned) lines.push(`  VLAN ${r.vid}: ${r.packets}`);
  if (l.notReturned)
    lines.push(`  not sent (the return link full, down or failing to send; dropped): ${l.notReturned}`);
  return lines.join('\n') + '\n';
}
