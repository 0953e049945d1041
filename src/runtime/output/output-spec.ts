import type { ArtifactGroup } from '../../artifact/types.js';
import { LINKTYPE } from '../../fields/fields.js';

/** A tap as a pcapng output declares it: one interface block per link type, named after the tap. */
export interface TapInterface {
  name: string;
  snapLen: number;
  nanosecond: boolean;
}

/** What a tool's output is, as both engines (one thread, and runtime/parallel) open it. */
export interface OutputSpec {
  path: string;
  format: 'pcap' | 'pcapng';
  /** pcap: the file's timestamp resolution. */
  nanosecond: boolean;
  /**
   * pcap: the link type the file holds, whatever packet comes first (a
   * stripping group's: Ethernet); packets of another are refused. Absent:
   * its first packet's.
   */
  linkType?: number;
  /** pcapng: each tap's interface blocks, by tap index. */
  taps: TapInterface[];
}

/**
 * The link type of a group's pcap output when the group strips: Ethernet,
 * declared before any packet (strip hands the tool Ethernet frames; a
 * control frame it passes unchanged must not decide the file's link type
 * and make it refuse the IP packets after it). Else undefined.
 */
export function stripOutputLinkType(g: ArtifactGroup, kind: string): number | undefined {
  return kind === 'pcap' && g.actions.strip.length > 0 ? LINKTYPE.ETHERNET : undefined;
}

/** What a run says (once per tool and link type) when a pcap output refuses packets of another link type. */
export function refusedLinkTypeWarning(tool: string, spec: OutputSpec, kept: string, refused: string): string {
  const file = `tool '${tool}' writes a pcap file (${spec.path}), which holds one link type`;
  return spec.linkType !== undefined
    ? `${file}, ${kept} (a stripping group's output): packets of link type ${refused} that strip could not put on Ethernet (no EtherType names them: PPP control, 802.2 frames) are dropped; output pcapng keeps every link type`
    : `${file}, ${kept} (its first packet's): packets of link type ${refused} are dropped; output pcapng keeps every link type`;
}

/** What a run says (once per tool) when packets that came with comments went to a pcap output, which cannot hold them. */
export function commentsLostWarning(tool: string, spec: OutputSpec, packets: number): string {
  const what = packets === 1 ? '1 packet that came with' : `${packets} packets that came with`;
  return `tool '${tool}' writes a pcap file (${spec.path}), which cannot hold packet comments: ${what} pcapng comments (opt_comment) went there without them; output pcapng keeps them`;
}
