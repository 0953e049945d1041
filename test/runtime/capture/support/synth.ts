/**
 * Hand-made capture bytes for edge cases the corpus lacks. Each helper
 * returns the exact bytes a test writes, so the layout is visible in tests.
 */
class Bytes {
  private readonly parts: number[] = [];

  constructor(private readonly le: boolean) {}

  u8(v: number): this {
    this.parts.push(v & 0xff);
    return this;
  }

  u16(v: number): this {
    return this.le ? this.u8(v).u8(v >>> 8) : this.u8(v >>> 8).u8(v);
  }

  u32(v: number): this {
    return this.le ? this.u16(v & 0xffff).u16(v >>> 16) : this.u16(v >>> 16).u16(v & 0xffff);
  }

  bytes(b: ArrayLike<number>): this {
    for (let i = 0; i < b.length; i++) this.parts.push(b[i]);
    return this;
  }

  pad4(): this {
    while (this.parts.length % 4 !== 0) this.parts.push(0);
    return this;
  }

  get length(): number {
    return this.parts.length;
  }

  build(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

export interface SynthPacket {
  sec: number;
  frac: number;
  data: Uint8Array;
  wireLen?: number;
  capLen?: number;
}

export function pcapFile(
  opts: { le: boolean; nanosecond?: boolean; linkType?: number; snapLen?: number },
  packets: SynthPacket[],
): Uint8Array {
  const b = new Bytes(opts.le);
  b.u32(opts.nanosecond ? 0xa1b23c4d : 0xa1b2c3d4)
    .u16(2)
    .u16(4)
    .u32(0)
    .u32(0)
    .u32(opts.snapLen ?? 262144)
    .u32(opts.linkType ?? 1);
  for (const p of packets) {
    b.u32(p.sec)
      .u32(p.frac)
      .u32(p.capLen ?? p.data.length)
      .u32(p.wireLen ?? p.data.length)
      .bytes(p.data);
  }
  return b.build();
}

/** A frame of n bytes whose content encodes its index, to check the right bytes come back. */
export function frame(n: number, tag: number): Uint8Array {
  const d = new Uint8Array(n);
  for (let i = 0; i < n; i++) d[i] = (i + tag) & 0xff;
  return d;
}

type Opt = [code: number, value: Uint8Array];

export function textOpt(code: number, s: string): Opt {
  return [code, new TextEncoder().encode(s)];
}

function block(le: boolean, type: number, body: (b: Bytes) => void, opts: Opt[] = []): Uint8Array {
  const inner = new Bytes(le);
  body(inner);
  inner.pad4();
  if (opts.length > 0) {
    for (const [code, v] of opts) inner.u16(code).u16(v.length).bytes(v).pad4();
    inner.u16(0).u16(0);
  }
  const len = 12 + inner.length;
  return new Bytes(le).u32(type).u32(len).bytes(inner.build()).u32(len).build();
}

export const ng = {
  shb: (le: boolean, opts: Opt[] = []) =>
    block(le, 0x0a0d0d0a, (b) => b.u32(0x1a2b3c4d).u16(1).u16(0).u32(0xffffffff).u32(0xffffffff), opts),
  idb: (le: boolean, linkType: number, snapLen: number, opts: Opt[] = []) =>
    block(le, 1, (b) => b.u16(linkType).u16(0).u32(snapLen), opts),
  epb: (le: boolean, ifid: number, hi: number, lo: number, data: Uint8Array, wireLen = data.length, opts: Opt[] = []) =>
    block(le, 6, (b) => b.u32(ifid).u32(hi).u32(lo).u32(data.length).u32(wireLen).bytes(data), opts),
  spb: (le: boolean, data: Uint8Array, wireLen = data.length) => block(le, 3, (b) => b.u32(wireLen).bytes(data)),
  opb: (le: boolean, ifid: number, hi: number, lo: number, data: Uint8Array, opts: Opt[] = []) =>
    block(le, 2, (b) => b.u16(ifid).u16(0).u32(hi).u32(lo).u32(data.length).u32(data.length).bytes(data), opts),
  /** Any block type with an opaque body: NRB (4), ISB (5), DSB (10), custom (0xbad)... */
  other: (le: boolean, type: number, body: Uint8Array) => block(le, type, (b) => b.bytes(body)),
};

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** 64-bit unit count split into the two 32-bit words pcapng stores. */
export function split64(units: bigint): [hi: number, lo: number] {
  return [Number(units >> 32n), Number(units & 0xffffffffn)];
}
