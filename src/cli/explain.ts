import { resolve } from 'node:path';
import { buildArtifact } from '../artifact/build.js';
import { ABSENT, LINKTYPE } from '../fields/fields.js';
import { compilePolicy } from '../ir/compile.js';
import type { Policy } from '../policy/policy.js';
import { CaptureError, openCapture } from '../runtime/capture/index.js';
import { Explainer, type Explanation, type FrameInput } from './explain-packet.js';
import { EXIT, packageVersion, UsageError, type Io } from './io.js';
import { includeRoots } from './include-roots.js';
import { loadValidPolicy } from './load-policy.js';
import { BuildError, buildFrame } from './packet/build.js';
import { completePacket } from './packet/complete.js';
import { formatPacket } from './packet/format.js';
import { parsePacket } from './packet/parse.js';
import { SpecError } from './packet/spec-error.js';

export interface ExplainOptions {
  packet: string[];
  pcap?: string;
  frame: string[];
  tap?: string;
  format: string;
  /** --include-root, as given. */
  includeRoot?: string[];
}

/** One packet to explain, and how to name it in the output. */
export interface Item {
  source: { packet: string; built: string } | { pcap: string; frame: number };
  input: FrameInput;
}

/**
 * tmesc explain: which rules match each packet, where it goes (group and
 * tool, as run would send it), and its path through the match graph. The
 * packets are described (--packet, built into real frames) or taken from a
 * capture (--pcap FILE --frame N); either way the runtime's decoder reads
 * them, so a description means what the same frame on the wire would.
 */
export function explainCommand(path: string, opts: ExplainOptions, io: Io): number {
  if (opts.format !== 'text' && opts.format !== 'json')
    throw new UsageError(`--format takes text or json, not '${opts.format}'`);
  if (opts.frame.length && !opts.pcap) throw new UsageError('--frame numbers a packet of --pcap FILE: give the file');
  if (opts.pcap && !opts.frame.length)
    throw new UsageError('--pcap FILE needs --frame N: which packet of it to explain');
  if (!opts.packet.length && !opts.pcap)
    throw new UsageError(
      'explain needs --packet "DESCRIPTION" (e.g. --packet "tcp 10.0.0.1:1234 > 10.0.0.2:80") or --pcap FILE --frame N',
    );
  const frames = opts.frame.flatMap((f) => frameNumbers(f));
  // the description's mistakes are the user's to fix before any policy work
  const descs = opts.packet.map((p) => ({ text: p, desc: parsePacket(p) }));
  const { policy } = loadValidPolicy(path, io, { includeRoots: includeRoots(opts.includeRoot ?? [], io.cwd) });

  const defaultTap = opts.tap !== undefined ? tapIndex(policy, opts.tap, '--tap') : undefined;
  const items: Item[] = descs.map(({ text, desc }) => describedItem(policy, text, desc, defaultTap));
  if (opts.pcap) {
    const file = opts.pcap;
    let tap = defaultTap;
    if (tap === undefined) {
      // the tap that reads this file, as run would feed it
      const abs = resolve(file);
      const readers = policy.taps.filter((t) => t.source.kind === 'files' && t.source.paths.includes(abs));
      tap = readers.length === 1 ? readers[0].index : onlyTap(policy, `${file} came from: give --tap NAME`);
    }
    for (const f of readFrames(file, frames))
      items.push({ source: { pcap: file, frame: f.number }, input: { ...f, tap } });
  }

  const compiled = compilePolicy(policy);
  const explainer = new Explainer(
    policy,
    compiled,
    buildArtifact(policy, compiled, packageVersion(), { validate: false }),
  );
  const results = items.map((it) => ({ item: it, explanation: explainer.explain(it.input) }));
  if (opts.format === 'json') {
    io.out(
      JSON.stringify(
        {
          formatVersion: 1,
          policy: policy.name,
          graphNodes: compiled.graph.nodes.length,
          packets: results.map(({ item, explanation }) => ({ input: item.source, ...explanation })),
        },
        null,
        2,
      ) + '\n',
    );
  } else {
    io.out(results.map(({ item, explanation }) => text(item, explanation, compiled.graph.nodes.length)).join('\n'));
  }
  return EXIT.ok;
}

/**
 * A described packet as a frame of the policy's taps: its own `tap NAME`, else
 * `defaultTap`, else the policy's only tap. Mistakes are SpecErrors (a caret under them).
 */
export function describedItem(
  policy: Policy,
  text: string,
  desc: ReturnType<typeof parsePacket> = parsePacket(text),
  defaultTap?: number,
): Item {
  let tap: number;
  if (desc.tap !== undefined) {
    tap = policy.taps.findIndex((t) => t.name === desc.tap);
    if (tap < 0) {
      const at = text.indexOf(desc.tap, text.search(/\btap\b/i) + 3);
      throw new SpecError(`the policy has no tap '${desc.tap}' (${tapList(policy)})`, text, at, at + desc.tap.length);
    }
  } else tap = defaultTap ?? onlyTap(policy, 'the packet came from: add `tap NAME` to the description, or --tap NAME');
  const complete = completePacket({ ...desc, tap: policy.taps[tap]?.name });
  let built;
  try {
    built = buildFrame(complete);
  } catch (e) {
    if (e instanceof BuildError) throw new SpecError(e.message, text, 0, text.length);
    throw e;
  }
  return {
    source: { packet: text, built: formatPacket(complete) },
    input: { data: built.data, capLen: built.data.length, wireLen: built.wireLen, linkType: built.linkType, tap },
  };
}

function tapList(policy: Policy): string {
  return policy.taps.length ? `taps: ${policy.taps.map((t) => t.name).join(', ')}` : 'it has no taps';
}

export function tapIndex(policy: Policy, name: string, what: string): number {
  const i = policy.taps.findIndex((t) => t.name === name);
  if (i < 0) throw new UsageError(`${what}: the policy has no tap '${name}' (${tapList(policy)})`);
  return i;
}

/** The policy's one tap; with several, which one matters to rules, so the user must say. */
export function onlyTap(policy: Policy, which: string): number {
  if (policy.taps.length === 0) return ABSENT;
  if (policy.taps.length === 1) return 0;
  throw new UsageError(
    `the policy has several taps (${policy.taps.map((t) => t.name).join(', ')}): say which one ${which}`,
  );
}

/** `--frame 3`, `--frame 3,7`, `--frame 10-12`: 1-based packet numbers, as Wireshark numbers frames. */
export function frameNumbers(text: string): number[] {
  const out: number[] = [];
  for (const part of text.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    const a = m ? Number(m[1]) : NaN;
    const b = m?.[2] !== undefined ? Number(m[2]) : a;
    if (!m || a < 1 || b < a || !Number.isSafeInteger(b) || b - a >= 10000)
      throw new UsageError(
        `--frame takes packet numbers from 1 (as Wireshark numbers them): N, N,M or N-M (up to 10,000), not '${text}'`,
      );
    for (let n = a; n <= b; n++) out.push(n);
  }
  return out;
}

/** The frames numbered `wanted` (1-based), copied out of the capture, in the order asked. */
export function readFrames(file: string, wanted: number[]): (Omit<FrameInput, 'tap'> & { number: number })[] {
  const want = new Set(wanted);
  const last = Math.max(...wanted);
  const got = new Map<number, Omit<FrameInput, 'tap'> & { number: number }>();
  let count = 0;
  try {
    const src = openCapture(file);
    try {
      while (count < last) {
        const n = src.readBatch(last - count, (rec) => {
          count = rec.packetNumber;
          if (want.has(rec.packetNumber))
            got.set(rec.packetNumber, {
              number: rec.packetNumber,
              data: rec.data.slice(0, rec.capLen),
              capLen: rec.capLen,
              wireLen: rec.wireLen,
              linkType: rec.linkType,
            });
        });
        if (n === 0) break;
      }
    } finally {
      src.close();
    }
  } catch (e) {
    if (e instanceof CaptureError) throw new UsageError(e.message);
    throw e;
  }
  const missing = wanted.filter((n) => !got.has(n));
  if (missing.length)
    throw new UsageError(
      `${file} has ${count} packet${count === 1 ? '' : 's'}: no frame ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', ...' : ''}`,
    );
  return wanted.map((n) => got.get(n)!);
}

const LINK_NAMES: Record<number, string> = {
  [LINKTYPE.NULL]: 'BSD loopback',
  [LINKTYPE.ETHERNET]: 'Ethernet',
  [LINKTYPE.PPP]: 'PPP',
  [LINKTYPE.RAW]: 'raw IP',
  [LINKTYPE.LOOP]: 'OpenBSD loopback',
  [LINKTYPE.LINUX_SLL]: 'Linux cooked',
  [LINKTYPE.IPV4]: 'raw IPv4',
  [LINKTYPE.IPV6]: 'raw IPv6',
  [LINKTYPE.LINUX_SLL2]: 'Linux cooked v2',
};

function text(item: Item, e: Explanation, nodes: number): string {
  const out: string[] = [];
  const s = item.source;
  if ('packet' in s) {
    out.push(`packet: ${s.packet}`);
    out.push(`built: ${s.built} (a ${e.frame.wireLen}-byte Ethernet frame)`);
  } else {
    const link = LINK_NAMES[e.frame.linkType] ?? `link type ${e.frame.linkType}`;
    out.push(
      `frame: ${s.pcap} #${s.frame} (${link}, ${e.frame.wireLen} bytes on the wire, ${e.frame.capLen} captured)`,
    );
    out.push(`decoded: ${e.decoded}`);
  }
  if (e.malformed) out.push(`malformed: ${e.malformed} (classified on what could be decoded, as run does)`);
  out.push(`tap: ${e.tap ?? '(none)'}${e.marks.length ? ` (marks: ${e.marks.join(', ')})` : ''}`);
  out.push(
    `matching rules: ${
      e.matchingRules.length
        ? e.matchingRules.map((r) => `${r.name} (${r.action} ${r.groups.join(', ')}) at ${r.file}:${r.line}`).join('; ')
        : 'none'
    }`,
  );
  if (e.goesTo.length === 0) out.push('goes to: nothing (no group receives this packet)');
  for (const g of e.goesTo)
    out.push(
      g.balancedAmong
        ? `goes to: group ${g.group} -> tool ${g.tool} (balanced by session among ${g.balancedAmong.join(', ')}; both directions go there)`
        : `goes to: group ${g.group} -> tool ${g.tool}`,
    );
  out.push(`path through the match graph (${nodes} nodes):`);
  for (const p of e.path) out.push(`  n${p.node}: ${p.field} = ${p.value}  (in ${p.interval})`);
  out.push(
    `  leaf L${e.leaf.index}: rules ${e.leaf.rules.join(', ') || '-'} => ${e.leaf.groups.join(', ') || 'nothing'}`,
  );
  out.push(...e.notes);
  return out.join('\n') + '\n';
}
