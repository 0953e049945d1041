import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ETHERTYPE } from '../../../src/fields/ethertype.js';
import { LINKTYPE } from '../../../src/fields/fields.js';
import { IPPROTO } from '../../../src/fields/ip-proto.js';
import { type ActionModule, Verdict } from '../../../src/runtime/actions/action.js';
import { shardsBySession } from '../../../src/runtime/actions/chain.js';
import { ACTIONS } from '../../../src/runtime/actions/registry.js';
import { Replica, Scratch } from '../../../src/runtime/actions/replica.js';
import { emptyRecord } from '../../../src/runtime/capture/record.js';
import { type PacketOutput, Pipeline } from '../../../src/runtime/engine/pipeline.js';
import { artifactFor } from '../support/artifact.js';
import { eth, ipv4, payload, udp } from './frames.js';
import { conversation } from './tcp-conversation.js';

/**
 * What a live run relies on from the action framework: a step that holds
 * replicas back releases them on the clock (ActionStep.tick, called by the
 * live worker's timer) with no packet arriving; a held or chained replica
 * whose tool is down moves to the session's next tool (counted failover) or
 * is dropped as tool-down; and whether a live run may shard sessions to
 * several workers. The stand-in step (registered as `shape` for the test)
 * holds every replica for one second of the capture's clock.
 */
const dir = mkdtempSync(join(tmpdir(), 'tmesc-clock-'));

function holdFor(perSession: boolean, withTick = true): ActionModule<{ holdSec: number }> {
  return {
    name: 'shape',
    reasons: ['held'],
    stateful: true,
    perSession,
    init: () => ({ holdSec: 1 }),
    contextInit(config, ctx) {
      const held: Replica[] = [];
      const due = (sec: number) => {
        while (held.length && held[0].tsSec + config.holdSec <= sec) ctx.resume(held.shift()!);
      };
      return {
        apply(r) {
          due(r.tsSec);
          ctx.counters.held++;
          const copy = new Replica(new Scratch());
          copy.copyFrom(r, new Uint8Array(r.length));
          held.push(copy);
          return Verdict.Hold;
        },
        tick: withTick ? (sec) => due(sec) : undefined,
        finish: () => due(Infinity),
      };
    },
  };
}

// the stand-in takes shape's name for a test; the real module comes back after it
const realShape = ACTIONS.shape;
afterEach(() => {
  ACTIONS.shape = realShape;
});

function feed(p: Pipeline, packets: { sec: number; port: number }[]): void {
  const rec = emptyRecord();
  for (const { sec, port } of packets) {
    const frame = eth(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, udp(port, 53, payload(20, port))));
    rec.data = frame;
    rec.capLen = frame.length;
    rec.wireLen = frame.length;
    rec.linkType = LINKTYPE.ETHERNET;
    rec.tsSec = sec;
    rec.tsNsec = 0;
    p.handle(rec, 0);
  }
}

const recorder = (path: string, into: { sec: number; port: number }[]): PacketOutput => ({
  path,
  write(data, tsSec) {
    // UDP source port of eth/ipv4(20)/udp
    into.push({ sec: tsSec, port: (data[34] << 8) | data[35] });
    return true;
  },
});

describe('held replicas on the clock', () => {
  it('releases what is due when the clock moves with no packet, and the rest at finish', () => {
    ACTIONS.shape = holdFor(true) as ActionModule;
    const a = artifactFor(
      dir,
      `tap a { source pcap "${dir}/none.pcap" }
group g { tool t { output pcap "${dir}/x.pcap"; rate 1 Gbps } shape burst 2 KB }
rule r from a match any to g`,
    );
    const written: { sec: number; port: number }[] = [];
    const p = new Pipeline(a, [[recorder('x', written)]], [[]]);
    expect(p.ticks).toBe(true);
    feed(p, [
      { sec: 10, port: 1 },
      { sec: 10, port: 2 },
      { sec: 11, port: 3 },
    ]);
    // the third packet released nothing: both earlier ones are due at 11, it arrived at 11
    expect(written.map((w) => w.port)).toEqual([1, 2]);
    p.tick(11, 500_000_000);
    expect(written.map((w) => w.port)).toEqual([1, 2]);
    p.tick(12, 0);
    expect(written.map((w) => w.port)).toEqual([1, 2, 3]);
    p.tick(20, 0);
    feed(p, [{ sec: 21, port: 4 }]);
    p.finish();
    expect(written.map((w) => w.port)).toEqual([1, 2, 3, 4]);
    const g = p.stats.groups[0];
    expect(g.in).toBe(4);
    expect(g.delivered).toBe(4);
  });

  it('a pipeline whose steps have no tick says so (a live worker then starts no timer for it)', () => {
    ACTIONS.shape = holdFor(true, false) as ActionModule;
    const a = artifactFor(
      dir,
      `tap a { source pcap "${dir}/none.pcap" }
group g { tool t { output pcap "${dir}/y.pcap"; rate 1 Gbps } shape burst 2 KB }
group h { tool u { output pcap "${dir}/z.pcap" } truncate frame 60 }
rule r from a match any to g, h`,
    );
    const p = new Pipeline(a, [[recorder('y', [])], [recorder('z', [])]], [[]]);
    expect(p.ticks).toBe(false);
  });

  it('live sharding: steps with per-session state allow several workers, a tool-wide state one', () => {
    const policy = `tap a { source pcap "${dir}/none.pcap" }
group g { tool t { output pcap "${dir}/x.pcap"; rate 1 Gbps } shape burst 2 KB }
rule r from a match any to g`;
    ACTIONS.shape = holdFor(true) as ActionModule;
    expect(shardsBySession(artifactFor(dir, policy))).toBe(true);
    ACTIONS.shape = holdFor(false) as ActionModule;
    expect(shardsBySession(artifactFor(dir, policy))).toBe(false);
  });
});

describe('replace on the clock', () => {
  it('keeps per-session state (live runs shard it) and releases a held segment past its hold time with no packet', () => {
    expect(ACTIONS.replace?.perSession).toBe(true);
    const a = artifactFor(
      dir,
      `tap a { source pcap "${dir}/none.pcap" }
group g { tool t { output pcap "${dir}/r.pcap" } replace /Server: [^\\r\\n]*/ with "Server: x" }
rule r from a match any to g`,
    );
    expect(shardsBySession(a)).toBe(true);
    const out: Buffer[] = [];
    const p = new Pipeline(a, [[{ path: 'r', write: (d) => (out.push(Buffer.from(d)), true) }]], [[]]);
    expect(p.ticks).toBe(true);
    // the handshake, then a segment whose end may start a match: held for the next one
    const frames = conversation([{ from: 's', data: 'HTTP/1.1 200 OK\r\nServer: Apa' }]).frames;
    const rec = emptyRecord();
    for (const f of frames) {
      rec.data = f;
      rec.capLen = rec.wireLen = f.length;
      rec.linkType = LINKTYPE.ETHERNET;
      rec.tsSec = 100;
      rec.tsNsec = 0;
      p.handle(rec, 0);
    }
    expect(out.length).toBe(frames.length - 1);
    p.tick(100, 900_000_000);
    expect(out.length).toBe(frames.length - 1);
    p.tick(101, 0);
    expect(out.length).toBe(frames.length);
    expect(out[out.length - 1].toString('latin1')).toMatch(/Server: x$/);
    expect(p.stats.groups[0].actions.replace['released-early']).toBe(1);
  });
});

describe('a tool down, for groups with steps', () => {
  const twoTools = () =>
    artifactFor(
      dir,
      `tap a { source pcap "${dir}/none.pcap" }
group g { tool t1 { output pcap "${dir}/t1.pcap"; rate 1 Gbps } tool t2 { output pcap "${dir}/t2.pcap"; rate 1 Gbps } shape burst 2 KB }
rule r from a match any to g`,
    );
  const sessions = Array.from({ length: 200 }, (_, i) => ({ sec: 100, port: 1000 + i }));

  it('moves the sessions of a tool that is down when its replicas go out, and only those, counted as failover', () => {
    ACTIONS.shape = holdFor(true) as ActionModule;
    const a = twoTools();
    // where each session goes with both tools up
    const w1: { sec: number; port: number }[] = [];
    const w2: { sec: number; port: number }[] = [];
    const up = new Pipeline(a, [[recorder('t1', w1), recorder('t2', w2)]], [[]]);
    feed(up, sessions);
    up.finish();
    expect(w1.length).toBeGreaterThan(0);
    expect(w2.length).toBeGreaterThan(0);

    // t2 goes down while the replicas are held: they leave for t1 at release
    let t2Up = true;
    const d1: { sec: number; port: number }[] = [];
    const d2: { sec: number; port: number }[] = [];
    const p = new Pipeline(a, [[recorder('t1', d1), recorder('t2', d2)]], [[]], {
      toolUp: (_g, t) => t === 0 || t2Up,
    });
    feed(p, sessions);
    t2Up = false;
    p.tick(101, 0);
    expect(d2).toEqual([]);
    expect(d1.map((w) => w.port)).toEqual(sessions.map((s) => s.port));
    const g = p.stats.groups[0];
    expect(g.failover).toBe(w2.length);
    expect(g.delivered).toBe(sessions.length);

    // back up: every session returns to its own tool
    t2Up = true;
    const again = sessions.map((s) => ({ sec: 200, port: s.port }));
    feed(p, again);
    p.finish();
    expect(d2.map((w) => w.port)).toEqual(w2.map((w) => w.port));
    expect(g.failover).toBe(w2.length);
  });

  it('drops as tool-down when no tool of the group is up, so in = delivered + dropped', () => {
    ACTIONS.shape = holdFor(true) as ActionModule;
    const p = new Pipeline(twoTools(), [[recorder('t1', []), recorder('t2', [])]], [[]], { toolUp: () => false });
    feed(p, sessions.slice(0, 10));
    p.finish();
    const g = p.stats.groups[0];
    expect(g.dropped['tool-down']).toBe(10);
    expect(g.delivered).toBe(0);
    expect(g.in).toBe(10);
  });
});
