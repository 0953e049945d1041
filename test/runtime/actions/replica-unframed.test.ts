import { describe, expect, it } from 'vitest';
import { LINKTYPE } from '../../../src/fields/fields.js';
import { Replica, Scratch } from '../../../src/runtime/actions/replica.js';
import type { PacketRecord } from '../../../src/runtime/capture/record.js';
import { Walk } from '../../../src/runtime/walk/walk.js';

/**
 * A replica the walk hands a mask chain without its bytes (Replica.startLazy,
 * not framed: Pipeline's `unframed`): every way out of it (frame() for an
 * output, copyFrom() for a held copy, cut(), bytes()) gives the frame the
 * walk describes, which lies inside a larger read chunk (the record's
 * `data` is another packet's, as a worker's records may be).
 */
function chunk(): { rec: PacketRecord; frame: Uint8Array; walk: Walk } {
  const at = 37;
  const n = 60;
  const bytes = new Uint8Array(at + n + 11).fill(0xee);
  const frame = bytes.subarray(at, at + n);
  for (let i = 0; i < n; i++) frame[i] = (i * 7 + 3) & 0xff;
  // Ethernet carrying IPv4 with TCP, ports 1234 and 80: the walk's plain TCP segment
  frame.set([0x08, 0x00, 0x45, 0x00, 0x00, 46], 12);
  const walk = new Walk();
  walk.start(bytes, at, n, n, LINKTYPE.ETHERNET, 0);
  const rec: PacketRecord = {
    data: new Uint8Array(5).fill(1),
    bytes,
    dataOffset: at,
    capLen: n,
    wireLen: n,
    tsSec: 1,
    tsNsec: 2,
    linkType: LINKTYPE.ETHERNET,
    interfaceId: 0,
    interfaceName: undefined,
    packetNumber: 1,
    byteOffset: 0,
    comment: undefined,
  };
  return { rec, frame: frame.slice(), walk };
}

describe('a replica started without its bytes', () => {
  it('gives the walked frame to an output, a held copy, a cut and a step that asks', () => {
    const scratch = new Scratch();
    const { rec, frame, walk } = chunk();
    const r = new Replica(scratch);
    r.startLazy(rec, walk, 0, false);
    expect(r.unframed).toBe(true);
    expect(r.length).toBe(frame.length);
    expect(r.walked()).toBe(walk);
    expect(Array.from(r.frame())).toEqual(Array.from(frame));
    expect(r.unframed).toBe(false);

    r.startLazy(rec, walk, 0, false);
    const held = new Replica(scratch);
    held.copyFrom(r, new Uint8Array(frame.length));
    expect(Array.from(held.frame())).toEqual(Array.from(frame));

    r.startLazy(rec, walk, 0, false);
    r.cut(20);
    expect(Array.from(r.frame())).toEqual(Array.from(frame.subarray(0, 20)));

    r.startLazy(rec, walk, 0, false);
    expect(Array.from(r.bytes())).toEqual(Array.from(frame));
    expect(r.data).toBe(r.bytes());
  });

  it('framed (the default) is the record own data, as before', () => {
    const { rec, walk } = chunk();
    const r = new Replica(new Scratch());
    r.startLazy(rec, walk, 0);
    expect(r.unframed).toBe(false);
    expect(r.data).toBe(rec.data);
    expect(r.record).toBe(rec);
  });
});
