/** Room in front of the payload for every header the generator can stack. */
const HEADROOM = 512;
const MAX_PAYLOAD = 16384;

/**
 * One reused packet buffer. A packet is built inside out: the payload is
 * appended at HEADROOM, then each layer prepends its header, so lengths and
 * checksums are known when each header is written.
 */
export class Frame {
  readonly buf: Uint8Array;
  readonly dv: DataView;
  start = HEADROOM;
  end = HEADROOM;

  /** `payloadRoom`: the most bytes appended (the generator's payloads stay under 16 KiB). */
  constructor(payloadRoom = MAX_PAYLOAD) {
    this.buf = new Uint8Array(HEADROOM + payloadRoom);
    this.dv = new DataView(this.buf.buffer);
  }

  reset(): void {
    this.start = HEADROOM;
    this.end = HEADROOM;
  }

  get length(): number {
    return this.end - this.start;
  }

  /** Moves `start` back by n bytes and returns the new start, where the header goes. */
  prepend(n: number): number {
    this.start -= n;
    return this.start;
  }

  append(src: Uint8Array, from = 0, to = src.length): void {
    this.buf.set(src.subarray(from, to), this.end);
    this.end += to - from;
  }

  /** Appends a Latin-1 string (the generator's text payloads are ASCII). */
  appendText(s: string): void {
    const buf = this.buf;
    let o = this.end;
    for (let i = 0; i < s.length; i++) buf[o++] = s.charCodeAt(i);
    this.end = o;
  }

  u8(v: number): void {
    this.buf[this.end++] = v;
  }

  u16(v: number): void {
    this.dv.setUint16(this.end, v);
    this.end += 2;
  }

  u32(v: number): void {
    this.dv.setUint32(this.end, v >>> 0);
    this.end += 4;
  }

  zeros(n: number): void {
    this.buf.fill(0, this.end, this.end + n);
    this.end += n;
  }

  view(): Uint8Array {
    return this.buf.subarray(this.start, this.end);
  }
}
