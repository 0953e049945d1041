/**
 * The walked timestamp is taken where it should be: WalkedSteps.deliver
 * stamps IPv4 and IPv6 packets of a timestamp group from the walk (writes
 * them and counts them) and leaves to the chain what it does not do (IPv6
 * options, PPPoE, non-IP). walked-runs.test.ts holds the bytes and counts
 * to the chain's; this holds the walked path to being used at all.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ETHERTYPE } from '../../../src/fields/ethertype.js';
import { LINKTYPE } from '../../../src/fields/fields.js';
import { IPPROTO } from '../../../src/fields/ip-proto.js';
import type { PacketRecord } from '../../../src/runtime/capture/index.js';
import { newRunStats } from '../../../src/runtime/engine/pipeline.js';
import { walkableGroup, WalkedSteps } from '../../../src/runtime/engine/walked-steps.js';
import { Walk } from '../../../src/runtime/walk/walk.js';
import { eth, ethTagged, ipv4, ipv6, payload, tcp, udp, vlan } from '../actions/frames.js';
import { artifactFor } from '../support/artifact.js';

const dir = mkdtempSync(join(tmpdir(), 'tmesc-walked-timestamp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function record(frame: Buffer): PacketRecord {
  const bytes = new Uint8Array(16 + frame.length);
  bytes.set(frame, 16);
  return {
    data: bytes.subarray(16),
    bytes,
    dataOffset: 16,
    capLen: frame.length,
    wireLen: frame.length,
    tsSec: 1_700_000_000,
    tsNsec: 5_000_000,
    linkType: LINKTYPE.ETHERNET,
    interfaceId: 0,
    interfaceName: undefined,
    packetNumber: 1,
    byteOffset: 0,
    comment: undefined,
  } as PacketRecord;
}

describe('walked timestamp', () => {
  it('timestamp groups after the mark are walkable; not after strip, truncate or before shape', () => {
    const a = artifactFor(
      dir,
      `tap t { source pcap "x.pcap"; mark vlan 100 }
group a { tool a { output pcap "a.pcap" } timestamp ip-option }
group b { tool b { output pcap "b.pcap" } timestamp trailer }
group c { tool c { output pcap "c.pcap" } strip vlan; timestamp trailer }
group d { tool d { output pcap "d.pcap" } truncate frame 60; timestamp trailer }
group e { tool e { output pcap "e.pcap"; rate 1 Gbps } timestamp trailer; shape burst 64 KB }
rule a from t match any to a, b, c, d, e`,
    );
    expect(a.groups.map(walkableGroup)).toEqual([true, true, false, false, false]);
  });

  it('stamps IP packets from the walk, tags inserted as written; IPv6 options and PPPoE go to the chain', () => {
    const a = artifactFor(
      dir,
      `tap t { source pcap "x.pcap"; mark vlan 100 }
group g { tool g { output pcap "g.pcap" } timestamp ip-option ipv6 hop-by-hop }
rule a from t match any to g`,
    );
    const stats = newRunStats(a, [[{ path: 'g.pcap' }]], [['x.pcap']]);
    const written: { length: number; tags: number; wireLen: number }[] = [];
    const out = {
      writeRecord: () => true,
      write: () => true,
      writeTagged(data: Uint8Array, tags: Uint8Array, _s: number, _n: number, wireLen: number) {
        written.push({ length: data.length, tags: tags.length, wireLen });
        return true;
      },
    };
    const ws = new WalkedSteps(a, 0, stats.groups[0], out, () => {});
    const w = new Walk();
    const deliver = (f: Buffer): boolean => {
      const rec = record(f);
      w.start(rec.bytes, rec.dataOffset, rec.capLen, rec.wireLen, rec.linkType, 0);
      return ws.deliver(w, rec, 0);
    };
    const v4 = ethTagged([vlan(3)], ETHERTYPE.IPV4, ipv4(IPPROTO.TCP, tcp(1, 80, payload(20))));
    expect(deliver(v4)).toBe(true);
    // the option (12 bytes) in the frame, the tap's tag inserted by the output, both on the wire
    expect(written).toEqual([{ length: v4.length + 12, tags: 4, wireLen: v4.length + 16 }]);
    expect(stats.groups[0].actions.timestamp['ip-option']).toBe(1);
    expect(stats.groups[0].actions.mark.marked).toBe(1);
    expect(stats.groups[0].delivered).toBe(1);
    expect(deliver(eth(ETHERTYPE.IPV6, ipv6(IPPROTO.UDP, udp(1, 53, payload(8)))))).toBe(false);
    expect(deliver(eth(0x8864, Buffer.alloc(30)))).toBe(false);
    expect(written.length).toBe(1);
  });
});
