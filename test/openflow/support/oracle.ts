import type { StepName } from '../../../src/artifact/steps.js';
import type { Artifact } from '../../../src/artifact/types.js';
import { ActionChain, type ChainPlan } from '../../../src/runtime/actions/chain.js';
import { ACTIONS } from '../../../src/runtime/actions/registry.js';
import { Replica, Scratch } from '../../../src/runtime/actions/replica.js';
import { openCapture } from '../../../src/runtime/capture/index.js';
import { emptyRecord, type PacketRecord } from '../../../src/runtime/capture/record.js';
import { createClassifier } from '../../../src/runtime/classify/classifier.js';
import { decodeFrame } from '../../../src/runtime/decode/decode.js';
import { PacketView } from '../../../src/runtime/decode/view.js';
import type { GroupStats } from '../../../src/runtime/stats/stats.js';
import { corpusManifest, corpusPath } from '../../support/corpus.js';
import { readFileSync } from 'node:fs';

export interface CorpusPacket {
  file: string;
  /** 1-based, in its file. */
  number: number;
  tap: number;
  data: Buffer;
}

/**
 * Ethernet frames of the corpus as a switch would receive them: whole
 * frames only (a capture cut to a snap length is not what was on the wire),
 * up to `perFile` from each Ethernet capture, `total` at most, the captures
 * dealt round robin to `taps` taps.
 */
export function corpusPackets(taps: number, perFile: number, total: number): CorpusPacket[] {
  const rows = corpusManifest()
    .filter((r) => r.linkType === 'ether' && r.packets > 0)
    .sort((a, b) => (a.file < b.file ? -1 : 1));
  const out: CorpusPacket[] = [];
  rows.forEach((row, i) => {
    const src = openCapture(corpusPath(row.file));
    try {
      let taken = 0;
      for (let r; taken < perFile && out.length < total && (r = src.next());) {
        if (r.linkType !== 1 || r.capLen !== r.wireLen || r.capLen < 14) continue;
        out.push({
          file: row.file,
          number: r.packetNumber,
          tap: i % taps,
          data: Buffer.from(r.data.subarray(0, r.capLen)),
        });
        taken++;
      }
    } finally {
      src.close();
    }
  });
  return out;
}

export function decoded(p: CorpusPacket): PacketView {
  return decodedFrame(p.data, p.tap);
}

/** tmesc's decode of an Ethernet frame. */
export function decodedFrame(data: Buffer, tap = 0): PacketView {
  const v = new PacketView();
  v.tap = tap;
  decodeFrame(v, data, data.length, data.length, 1);
  return v;
}

/** The groups tmesc's runtime classifier sends each packet to. */
export function runtimeGroups(artifact: Artifact, packets: CorpusPacket[]): number[][] {
  const c = createClassifier(artifact.graph);
  return packets.map((p) => [...c.results[c.classify(decoded(p), p.data)].groups]);
}

function record(p: CorpusPacket): PacketRecord {
  const r = emptyRecord();
  r.data = p.data;
  r.bytes = p.data;
  r.capLen = p.data.length;
  r.wireLen = p.data.length;
  r.linkType = 1;
  return r;
}

/**
 * Runs one packet through a group's steps as tmesc's runtime does (its action
 * modules, in STEP_ORDER), only those named: what the group's tool gets and
 * which tool the runtime's balancing chose.
 */
export class GroupSteps {
  private readonly chain: ActionChain;
  private got: { bytes: Buffer; tool: number } | undefined;

  constructor(artifact: Artifact, group: number, steps: StepName[]) {
    const modules = steps.map((s) => {
      const module = ACTIONS[s];
      if (!module) throw new Error(`no runtime module for ${s}`);
      return { module, config: module.init(artifact.groups[group], artifact) };
    });
    const plan: ChainPlan = { modules };
    const stats = { actions: {}, dropped: {} } as unknown as GroupStats;
    this.chain = new ActionChain(artifact, group, plan, stats, new Replica(new Scratch()), (_g, r) => {
      const frame = r.data.subarray(0, r.length);
      // tags mark left for the output to write (Replica.tags) go after the MAC addresses, as the writers put them
      const bytes = r.tags ? Buffer.concat([frame.subarray(0, 12), r.tags, frame.subarray(12)]) : Buffer.from(frame);
      this.got = { bytes, tool: r.tool };
    });
  }

  run(p: CorpusPacket): { bytes: Buffer; tool: number } {
    this.got = undefined;
    this.chain.push(record(p), decoded(p), p.tap);
    if (!this.got) throw new Error(`${p.file} #${p.number}: the group's steps delivered nothing`);
    return this.got;
  }
}

/** The frame with an 802.1Q tag pushed outermost (after the MAC addresses). */
export function pushTag(frame: Buffer, vid: number, pcp = 0): Buffer {
  const tci = ((pcp & 7) << 13) | (vid & 0xfff);
  return Buffer.concat([frame.subarray(0, 12), Buffer.from([0x81, 0x00, tci >> 8, tci & 0xff]), frame.subarray(12)]);
}

/**
 * The packets of a pcap file as Open vSwitch's tx_pcap writes them: its
 * header says a snap length of 1518 whatever the frames (tmesc's reader
 * rightly refuses longer records), so read the records as they are.
 */
export function readTxPcap(path: string): Buffer[] {
  const f = readFileSync(path);
  if (f.length < 24) return [];
  const le = f.readUInt32LE(0) === 0xa1b2c3d4;
  const u32 = (o: number) => (le ? f.readUInt32LE(o) : f.readUInt32BE(o));
  const out: Buffer[] = [];
  // a record still being written is left for the next read
  for (let o = 24; o + 16 <= f.length;) {
    const cap = u32(o + 8);
    if (o + 16 + cap > f.length) break;
    out.push(Buffer.from(f.subarray(o + 16, o + 16 + cap)));
    o += 16 + cap;
  }
  return out;
}
