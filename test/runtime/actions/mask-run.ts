import type { Artifact } from '../../../src/artifact/types.js';
import { LINKTYPE } from '../../../src/fields/fields.js';
import { emptyRecord } from '../../../src/runtime/capture/record.js';
import { type PacketOutput, Pipeline } from '../../../src/runtime/engine/pipeline.js';
import type { PacketPathChoice } from '../../../src/runtime/engine/packet-path-choice.js';
import type { GroupStats } from '../../../src/runtime/stats/stats.js';
import { decodeFrame } from '../../../src/runtime/decode/decode.js';
import { PacketView } from '../../../src/runtime/decode/view.js';
import { artifactFor } from '../support/artifact.js';
import { type Conversation, type Segment, type TimedFrame, timed } from './tcp-traffic.js';

/** What a tool received: the bytes, and which input frame they came from (by capture time, unique per frame). */
export interface Delivered {
  data: Buffer;
  ts: number;
  /** Index of the input frame. */
  input: number;
}

export interface MaskRun {
  /** By tool name, in delivery order. */
  out: Map<string, Delivered[]>;
  groups: GroupStats[];
  artifact: Artifact;
  /** The packet path the pipeline took. */
  path: 'generated' | 'decoder';
}

/**
 * Runs the policy body's groups over frames in memory, through the
 * pipeline and its action chains, on one thread as `run` does for a
 * stateful step. Frames must have distinct capture times.
 */
export function runFrames(
  dir: string,
  body: string,
  frames: TimedFrame[],
  linkType: number = LINKTYPE.ETHERNET,
): MaskRun {
  const artifact = artifactFor(dir, body);
  return runArtifactFrames(artifact, frames, linkType);
}

export function runArtifactFrames(
  artifact: Artifact,
  frames: TimedFrame[],
  linkType: number = LINKTYPE.ETHERNET,
  /** The packet path (default: TMESC_PACKET_PATH, else auto), for differential tests of the two. */
  packetPath?: PacketPathChoice,
): MaskRun {
  const byTs = new Map<string, number>();
  frames.forEach((f, i) => byTs.set(key(Math.floor(f.ts), nsOf(f.ts)), i));
  const out = new Map<string, Delivered[]>();
  const outputs: PacketOutput[][] = artifact.groups.map((g) =>
    g.tools.map((t) => {
      const list: Delivered[] = [];
      out.set(t.name, list);
      return {
        path: t.name,
        write(data, tsSec, tsNsec) {
          list.push({ data: Buffer.from(data), ts: tsSec + tsNsec / 1e9, input: byTs.get(key(tsSec, tsNsec)) ?? -1 });
          return true;
        },
      };
    }),
  );
  const p = new Pipeline(
    artifact,
    outputs,
    artifact.taps.map(() => []),
    packetPath === undefined ? {} : { packetPath },
  );
  const rec = emptyRecord();
  for (const f of frames) {
    rec.data = new Uint8Array(f.data);
    // as a reader's record: the bytes and where the frame starts in them (the generated path reads these)
    rec.bytes = rec.data;
    rec.dataOffset = 0;
    rec.capLen = f.data.length;
    rec.wireLen = f.wireLen ?? f.data.length;
    rec.linkType = linkType;
    rec.tsSec = Math.floor(f.ts);
    rec.tsNsec = nsOf(f.ts);
    p.handle(rec, 0);
    // a live run's clock between packets (ActionStep.tick)
    if (f.tickAfter !== undefined) p.tick(Math.floor(f.tickAfter), nsOf(f.tickAfter));
  }
  p.finish();
  return { out, groups: p.stats.groups, artifact, path: p.path };
}

const nsOf = (ts: number) => Math.round((ts - Math.floor(ts)) * 1e9) % 1e9;
const key = (s: number, ns: number) => `${s}.${Math.round(ns / 1000)}`;

const view = new PacketView();

/** What a tool received: each frame's payload (outermost, Ethernet frames), as text, the empty ones left out. */
export function payloadTexts(d: Delivered[]): string[] {
  return d
    .map((x) => {
      decodeFrame(view, x.data, x.data.length, x.data.length, LINKTYPE.ETHERNET);
      return x.data.subarray(view.payloadOffset, view.payloadOffset + view.payloadLength).toString('latin1');
    })
    .filter((t) => t.length > 0);
}

/** A conversation's segments as frames 1 ms apart. */
export const conversationFrames = (c: Conversation, segs: Segment[]): TimedFrame[] =>
  timed(
    segs.map((s) => c.frame(s)),
    1_700_000_000,
    0.001,
  );

/**
 * One group `g` with one tool `t` and these actions, every packet of one
 * tap to it: what `t` got (payloads with bytes, as text) and the group's
 * mask counters.
 */
export function runOneGroup(dir: string, actions: string, input: TimedFrame[]) {
  const body = `tap a { source pcap "${dir}/none.pcap" }\ngroup g { tool t { output pcap "${dir}/t.pcap" } ${actions} }\nrule r from a match any to g`;
  const r = runFrames(dir, body, input);
  const g = r.groups[0];
  return { out: payloadTexts(r.out.get('t')!), mask: g.actions.mask, totals: g.actionTotals!.mask };
}
