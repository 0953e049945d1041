import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Artifact } from '../../../src/artifact/types.js';
import { ETHERTYPE } from '../../../src/fields/ethertype.js';
import { LINKTYPE } from '../../../src/fields/fields.js';
import { IPPROTO } from '../../../src/fields/ip-proto.js';
import { ActionChain, type ChainPlan } from '../../../src/runtime/actions/chain.js';
import { ACTIONS } from '../../../src/runtime/actions/registry.js';
import { Replica, Scratch } from '../../../src/runtime/actions/replica.js';
import type { PacketRecord } from '../../../src/runtime/capture/record.js';
import type { GroupStats } from '../../../src/runtime/stats/stats.js';
import { Walk } from '../../../src/runtime/walk/walk.js';
import type { StepName } from '../../../src/artifact/steps.js';
import { artifactFor } from '../support/artifact.js';
import { eth, ipv4, tcp } from './frames.js';

/**
 * A mask chain's replica, handed over by the walk without its bytes
 * (Pipeline's `unframed`, ActionChain.pushLazy not framed): mask asks for
 * them only where it reads or writes them, and the tap's mark as the last
 * step (the output writes its tags: ActionStep.readsNoBytes) asks for none,
 * so an unchanged packet reaches the output with no array of its frame (one
 * a packet was the mask row's largest allocation after the scanners').
 */
const dir = mkdtempSync(join(tmpdir(), 'tmesc-chain-unframed-'));

function artifact(): Artifact {
  return artifactFor(
    dir,
    `tap a { source pcap "${dir}/in.pcap"; mark vlan 100 }
group g { tool t { output pcap "${dir}/out.pcap" } mask /qqqzzz/ }
rule r from a match any to g`,
  );
}

interface Got {
  unframed: boolean;
  tags: Uint8Array | undefined;
  frame: number[];
}

/** A chain of `steps` (their modules as the runtime has them) whose deliveries are recorded. */
function chain(a: Artifact, steps: StepName[], got: Got[]): ActionChain {
  const modules = steps.map((s) => ({ module: ACTIONS[s]!, config: ACTIONS[s]!.init(a.groups[0], a) }));
  const plan: ChainPlan = { modules };
  const stats = { actions: {}, dropped: {} } as unknown as GroupStats;
  return new ActionChain(a, 0, plan, stats, new Replica(new Scratch()), (_g, r) => {
    got.push({ unframed: r.unframed, tags: r.tags, frame: Array.from(r.frame()) });
  });
}

/**
 * A TCP segment (port 80) inside a larger read chunk, walked, as the pipeline hands it on. A stream picked up without
 * its SYN, so its text starts with a line break: else its first line would be masked as carried (mask.ts carryOn).
 */
function walked(text: string): { rec: PacketRecord; walk: Walk; frame: Uint8Array } {
  const frame = eth(ETHERTYPE.IPV4, ipv4(IPPROTO.TCP, tcp(40000, 80, Buffer.from(text))));
  const at = 21;
  const bytes = new Uint8Array(at + frame.length + 9).fill(0xee);
  bytes.set(frame, at);
  const walk = new Walk();
  walk.start(bytes, at, frame.length, frame.length, LINKTYPE.ETHERNET, 0);
  const rec: PacketRecord = {
    data: new Uint8Array(3),
    bytes,
    dataOffset: at,
    capLen: frame.length,
    wireLen: frame.length,
    tsSec: 1,
    tsNsec: 0,
    linkType: LINKTYPE.ETHERNET,
    interfaceId: 0,
    interfaceName: undefined,
    packetNumber: 1,
    byteOffset: 0,
    comment: undefined,
  };
  return { rec, walk, frame };
}

describe('a mask chain with the tap mark last', () => {
  it('delivers a packet mask leaves alone still without its bytes, the tags for the output', () => {
    const a = artifact();
    expect(a.groups[0].steps).toEqual(['balance', 'mask', 'mark', 'output']);
    const got: Got[] = [];
    const c = chain(a, ['balance', 'mask', 'mark'], got);
    const { rec, walk, frame } = walked('\r\nGET / HTTP/1.1\r\n');
    c.pushLazy(rec, walk, 0, false);
    expect(got).toHaveLength(1);
    expect(got[0].unframed).toBe(true);
    expect(Array.from(got[0].tags ?? [])).toEqual([0x81, 0x00, 0x00, 100]);
    // asked for at the output (frame()), the bytes are the walked frame's
    expect(got[0].frame).toEqual(Array.from(frame));
  });

  it('makes the bytes before a mark that writes its tag into them (not the last step)', () => {
    const a = artifact();
    const got: Got[] = [];
    // mark followed by a step (one that reads no bytes itself): mark pushes the tag into the frame, so the chain
    // makes the bytes first
    const c = chain(a, ['balance', 'mask', 'mark', 'balance'], got);
    const { rec, walk, frame } = walked('\r\nGET / HTTP/1.1\r\n');
    c.pushLazy(rec, walk, 0, false);
    expect(got).toHaveLength(1);
    expect(got[0].unframed).toBe(false);
    expect(got[0].tags).toBeUndefined();
    const tagged = [...frame.subarray(0, 12), 0x81, 0x00, 0x00, 100, ...frame.subarray(12)];
    expect(got[0].frame).toEqual(tagged);
  });
});
