import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ETHERTYPE } from '../../../src/fields/ethertype.js';
import { LINKTYPE } from '../../../src/fields/fields.js';
import { IPPROTO } from '../../../src/fields/ip-proto.js';
import { type ActionModule, Verdict } from '../../../src/runtime/actions/action.js';
import { needsOneThread } from '../../../src/runtime/actions/chain.js';
import { ACTIONS } from '../../../src/runtime/actions/registry.js';
import { Replica, Scratch } from '../../../src/runtime/actions/replica.js';
import { emptyRecord } from '../../../src/runtime/capture/record.js';
import { type PacketOutput, Pipeline } from '../../../src/runtime/engine/pipeline.js';
import { artifactFor } from '../support/artifact.js';
import { eth, ipv4, payload, udp } from './frames.js';

/**
 * The chain's Drop and Hold paths, which strip, truncate and timestamp never
 * take, through a stand-in for a stateful action (registered as `shape` for
 * the test): it drops frames longer than 100 bytes, holds every other one
 * and hands it on with the next packet or at the end. What reaches the
 * output, in what order, and what the counters say is the framework's.
 */
const dir = mkdtempSync(join(tmpdir(), 'tmesc-verdicts-'));

const holding: ActionModule<{ limit: number }> = {
  name: 'shape',
  reasons: ['passed', 'held', 'dropped'],
  stateful: true,
  dropReason: 'duplicate',
  init: () => ({ limit: 100 }),
  contextInit(config, ctx) {
    const c = ctx.counters;
    let held: Replica | undefined;
    let odd = false;
    const release = () => {
      const r = held;
      held = undefined;
      if (r) ctx.resume(r);
    };
    return {
      apply(r) {
        release();
        if (r.length > config.limit) {
          c.dropped++;
          return Verdict.Drop;
        }
        odd = !odd;
        if (!odd) {
          c.passed++;
          return Verdict.Pass;
        }
        c.held++;
        held = new Replica(new Scratch());
        held.copyFrom(r, new Uint8Array(r.length));
        return Verdict.Hold;
      },
      finish: release,
    };
  },
};

// the stand-in takes shape's place for each test; the real module comes back after
const real = ACTIONS.shape;
afterEach(() => {
  ACTIONS.shape = real;
});

describe('the chain: drop, hold, resume, finish', () => {
  it('delivers held replicas later, in the order the step releases them, and accounts for every one', () => {
    ACTIONS.shape = holding as ActionModule;
    const a = artifactFor(
      dir,
      `tap a { source pcap "${dir}/none.pcap" }
group g { tool t { output pcap "${dir}/x.pcap"; rate 1 Gbps } truncate frame 60; shape burst 2 KB }
rule r from a match any to g`,
    );
    expect(a.groups[0].steps).toEqual(['balance', 'truncate', 'mark', 'shape', 'output']);
    expect(needsOneThread(a)).toBe(true);
    const written: { bytes: Buffer; ts: number }[] = [];
    const out: PacketOutput = {
      path: 'x',
      write(data, tsSec) {
        written.push({ bytes: Buffer.from(data), ts: tsSec });
        return true;
      },
    };
    const p = new Pipeline(a, [[out]], [[]]);
    const rec = emptyRecord();
    const sizes = [30, 40, 200, 50, 60, 70];
    sizes.forEach((n, i) => {
      const frame = eth(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, udp(1, 2, payload(n, i))));
      rec.data = frame;
      rec.capLen = frame.length;
      rec.wireLen = frame.length;
      rec.linkType = LINKTYPE.ETHERNET;
      rec.tsSec = i;
      rec.tsNsec = 0;
      p.handle(rec, 0);
    });
    // truncate runs before shape, so the 242-byte frame reaches the stand-in cut to 60 and is not dropped
    p.finish();
    const g = p.stats.groups[0];
    expect(g.actions.shape).toEqual({ passed: 3, held: 3, dropped: 0 });
    expect(g.in).toBe(6);
    expect(g.delivered).toBe(6);
    // a held one goes out when the next packet arrives, before it: capture order is kept
    expect(written.map((w) => w.ts)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(written.every((w) => w.bytes.length <= 60)).toBe(true);
  });

  it('counts a drop in the group drops under the module reason, so in = delivered + dropped', () => {
    ACTIONS.shape = holding as ActionModule;
    const a = artifactFor(
      dir,
      `tap a { source pcap "${dir}/none.pcap" }
group g { tool t { output pcap "${dir}/y.pcap"; rate 1 Gbps } shape burst 2 KB }
rule r from a match any to g`,
    );
    const written: number[] = [];
    const p = new Pipeline(a, [[{ path: 'y', write: (_d, tsSec) => (written.push(tsSec), true) }]], [[]]);
    const rec = emptyRecord();
    [30, 200, 40, 300, 50].forEach((n, i) => {
      const frame = eth(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, udp(1, 2, payload(n, i))));
      rec.data = frame;
      rec.capLen = frame.length;
      rec.wireLen = frame.length;
      rec.linkType = LINKTYPE.ETHERNET;
      rec.tsSec = i;
      p.handle(rec, 0);
    });
    p.finish();
    const g = p.stats.groups[0];
    expect(g.actions.shape).toEqual({ passed: 1, held: 2, dropped: 2 });
    expect(g.dropped.duplicate).toBe(2);
    expect(g.in).toBe(g.delivered + g.dropped.duplicate);
    expect(written).toEqual([0, 2, 4]);
  });
});
