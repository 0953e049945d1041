import { statSync } from 'node:fs';
import type { Artifact } from '../../artifact/types.js';
import { finerThanMicroseconds, headerInterfaces, type InterfaceInfo } from '../capture/index.js';
import type { FileTapSource } from '../engine/sources.js';
import { type OutputSpec, stripOutputLinkType, type TapInterface } from '../output/output-spec.js';

/** What a tap's captures say of themselves, read from their headers before anything is written. */
export interface TapInput {
  /** Whether the tap has any file in this run. */
  present: boolean;
  /** Every interface of every file stamps finer than a microsecond. */
  nanosecond: boolean;
  /** Some interface of some file stamps finer than a microsecond. */
  someNanosecond: boolean;
  /** The largest snap length its files declare; 0 when none says. */
  snapLen: number;
}

/** Snap length written where the inputs do not tell one (libpcap's and tcpdump's default). */
export const DEFAULT_SNAPLEN = 262144;

/**
 * A tap's files as declared: the file its source has open (primed, so its
 * first packet's interface is known; a pipe can be read only there) and the
 * headers of its regular files not opened yet. Files that cannot be read are
 * left out here: the run reports them when it reaches them.
 */
export function describeTap(source: FileTapSource, files: readonly string[]): TapInput {
  const ifaces: InterfaceInfo[] = [...source.interfaces];
  for (const path of source.unopened) {
    try {
      if (statSync(path).isFile()) ifaces.push(...headerInterfaces(path));
    } catch {
      // reported when the run reaches the file
    }
  }
  return {
    present: files.length > 0,
    nanosecond: ifaces.length > 0 && ifaces.every(finerThanMicroseconds),
    someNanosecond: ifaces.some(finerThanMicroseconds),
    snapLen: ifaces.reduce((m, i) => Math.max(m, i.snapLen), 0),
  };
}

/** Taps some `to` rule sends to group g. */
function tapsReaching(a: Artifact, g: number): Set<number> {
  const taps = new Set<number>();
  for (const r of a.rules) {
    if (r.action !== 'to' || !r.groups.includes(g)) continue;
    if (r.taps === 'any') a.taps.forEach((_, i) => taps.add(i));
    else for (const t of r.taps) taps.add(t);
  }
  return taps;
}

/**
 * How each tool's file is written. Timestamps keep the inputs' precision
 * unless the tool says (`precision us|ns`): a pcap file holds one, so it is
 * nanoseconds only when every tap that can send to the tool stamps in
 * nanoseconds, else microseconds (what tcpdump writes and every tool reads);
 * a pcapng file declares it per interface, so each tap keeps its own: the
 * finest of its files' interfaces (microseconds are exact in nanoseconds). A
 * tap's interface blocks carry its name and its snap length (4 bytes more
 * for each VLAN tag its marks push).
 */
export function outputSpecs(a: Artifact, paths: string[][], inputs: readonly TapInput[]): OutputSpec[][] {
  return a.groups.map((g, gi) => {
    const reach = [...tapsReaching(a, gi)].filter((t) => inputs[t].present);
    return g.tools.map((tool, ti): OutputSpec => {
      const chosen = tool.output.precision;
      const taps = a.taps.map((tap, i): TapInterface => ({
        name: tap.name,
        snapLen: (inputs[i].snapLen || DEFAULT_SNAPLEN) + 4 * tap.marks.filter((m) => m.kind === 'vlan').length,
        nanosecond: chosen ? chosen === 'ns' : inputs[i].someNanosecond,
      }));
      const nanosecond = chosen ? chosen === 'ns' : reach.length > 0 && reach.every((t) => inputs[t].nanosecond);
      return {
        path: paths[gi][ti],
        format: tool.output.kind === 'pcap' ? 'pcap' : 'pcapng',
        nanosecond,
        taps,
        linkType: stripOutputLinkType(g, tool.output.kind),
      };
    });
  });
}
