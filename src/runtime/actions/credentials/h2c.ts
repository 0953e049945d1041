import type { Report } from '../mask-scanner.js';

/**
 * HTTP/2 in clear (h2c: prior knowledge, or after `Upgrade: h2c`), read by
 * the credentials scanner of the direction that sent the client's
 * connection preface (RFC 9113 3.4): its HEADERS, PUSH_PROMISE and
 * CONTINUATION frames' header blocks are read as HPACK (RFC 7541) and the
 * value octets of every literal header field named `authorization`,
 * `proxy-authorization` or `cookie` are masked, whether the value is
 * Huffman-coded or not (as octets: a tool's HPACK decoder may then fail on a
 * Huffman-coded one, which is better than reading it). The name may be a
 * static-table index, a literal (plain or Huffman-coded), or an index into
 * the connection's dynamic table (the entry that a literal with incremental
 * indexing added, its name known as it was read).
 *
 * Each byte is decided when it arrives (a value's name comes before it), so
 * nothing is held. State is bounded: a few numbers, and the secret-name flag
 * of the last DYNAMIC_KEPT dynamic-table insertions.
 *
 * Not read: an indexed header field (`authorization` taken whole from the
 * dynamic table) sends no value octets, so no secret goes in clear there;
 * the server's direction (responses; `set-cookie` is not among the names);
 * a connection picked up after its preface; after bytes lost to the capture
 * inside a header block, the rest of that block is masked whole and every
 * later dynamic-table name is taken for a secret's; lost bytes that cover a
 * frame's header end the reading (frames can no longer be told apart).
 */

/** The client's connection preface after `PRI ` (RFC 9113 3.4), which the line rule found. */
const PREFACE_REST = Uint8Array.from('* HTTP/2.0\r\n\r\nSM\r\n\r\n', (c) => c.charCodeAt(0));

/** Frame header: length (3), type, flags, stream id (4). */
const FRAME_HEADER = 9;
const FRAME_HEADERS = 0x1;
const FRAME_PUSH_PROMISE = 0x5;
const FRAME_CONTINUATION = 0x9;
const FLAG_END_HEADERS = 0x4;
const FLAG_PADDED = 0x8;
const FLAG_PRIORITY = 0x20;
/** HEADERS' priority fields (exclusive bit and stream dependency, weight); PUSH_PROMISE's promised stream id. */
const PRIORITY_FIELDS = 5;
const PROMISED_ID = 4;

/** HPACK's static table (RFC 7541 Appendix A): its last index, and those of the names read as secrets. */
const STATIC_LAST = 61;
const STATIC_AUTHORIZATION = 23;
const STATIC_COOKIE = 32;
const STATIC_PROXY_AUTHORIZATION = 49;

/** The names whose values are masked (HTTP/2 names are lower case, RFC 9113 8.2.1). */
const SECRET_NAMES = ['authorization', 'proxy-authorization', 'cookie'];

/**
 * The Huffman code (RFC 7541 Appendix B) of each byte the secret names hold:
 * code, length in bits.
 */
const HUFFMAN: Record<string, [number, number]> = {
  '-': [0x16, 6],
  a: [0x3, 5],
  c: [0x4, 5],
  e: [0x5, 5],
  h: [0x27, 6],
  i: [0x6, 5],
  k: [0x75, 7],
  n: [0x2a, 6],
  o: [0x7, 5],
  p: [0x2b, 6],
  r: [0x2c, 6],
  t: [0x9, 5],
  u: [0x2d, 6],
  x: [0x79, 7],
  y: [0x7a, 7],
  z: [0x7b, 7],
};

/** `s` Huffman-coded, padded with the EOS code's leading ones (RFC 7541 5.2). */
export function huffmanCoded(s: string): Uint8Array {
  const out: number[] = [];
  let acc = 0;
  let bits = 0;
  for (const ch of s) {
    const [code, len] = HUFFMAN[ch];
    acc = (acc << len) | code;
    bits += len;
    while (bits >= 8) {
      bits -= 8;
      out.push((acc >>> bits) & 0xff);
    }
    acc &= (1 << bits) - 1;
  }
  if (bits > 0) out.push(((acc << (8 - bits)) | ((1 << (8 - bits)) - 1)) & 0xff);
  return Uint8Array.from(out);
}

/** The secret names as a literal name's octets: plain, then Huffman-coded. */
const NAME_PLAIN = SECRET_NAMES.map((n) => Uint8Array.from(n, (c) => c.charCodeAt(0)));
const NAME_HUFFMAN = SECRET_NAMES.map(huffmanCoded);

/** How many dynamic-table insertions are remembered (a reference past them is taken for a secret's name). */
const DYNAMIC_KEPT = 1024;
/** An HPACK integer longer than this many bits is no header's (the block is lost). */
const MAX_INT_SHIFT = 28;

// frame layer
const P_PREFACE = 0;
const F_HEAD = 1;
const F_PAD_LENGTH = 2;
const F_FIELDS = 3;
const F_BLOCK = 4;
const F_SKIP = 5;
const DEAD = 6;

// HPACK layer: what the next octet of a header block is
const H_START = 0;
/** More octets of an integer (its prefix was full). */
const H_INT = 1;
/** The first octet of a string (Huffman bit, length prefix). */
const H_STRING = 2;
const H_NAME = 3;
const H_VALUE = 4;
/** The rest of the block is masked whole (its reading was lost). */
const H_LOST = 5;

// what an integer being read is
const I_INDEX = 0;
const I_NAME_INDEX = 1;
const I_SIZE = 2;
const I_NAME_LENGTH = 3;
const I_VALUE_LENGTH = 4;

export class H2cReader {
  /** The stream offset of the next byte expected. */
  next: number;
  private frame = P_PREFACE;
  /** P_PREFACE: bytes of PREFACE_REST matched; F_HEAD: bytes of the header read; F_FIELDS: bytes left. */
  private n = 0;
  private length = 0;
  private type = 0;
  private flags = 0;
  /** Payload bytes of the current frame not read yet. */
  private frameLeft = 0;
  /** Of them, the padding at its end. */
  private padding = 0;
  /** Whether the header block being read ends with the current frame (END_HEADERS). */
  private blockEnds = false;
  // HPACK
  private h = H_START;
  private intKind = I_INDEX;
  private int = 0;
  private shift = 0;
  /** The field being read goes into the dynamic table (literal with incremental indexing). */
  private indexed = false;
  /** Its name is a secret's. */
  private secret = false;
  /** String octets left (H_NAME, H_VALUE). */
  private left = 0;
  private huffman = false;
  /** A literal name being compared: bit k set while it may be SECRET_NAMES[k]; `at`, its octets read. */
  private may = 0;
  private at = 0;
  /** The secret-name flag of the last insertions, newest at `count - 1` (mod DYNAMIC_KEPT). */
  private table: Uint8Array | undefined = undefined;
  private count = 0;
  /** The table's insertions are no longer known (lost bytes): every dynamic-table name is taken for a secret's. */
  private tableLost = false;

  /** `offset`: where the preface goes on after `PRI `. */
  constructor(offset: number) {
    this.next = offset;
  }

  /** Whether the reader has stopped (no preface after all, or frames lost): the scanner drops it. */
  get dead(): boolean {
    return this.frame === DEAD;
  }

  /** Reads bytes[from, to), at stream offsets base + i, reporting the secret octets. */
  write(bytes: Uint8Array, from: number, to: number, base: number, report: Report): void {
    let i = from;
    while (i < to && this.frame !== DEAD) {
      switch (this.frame) {
        case P_PREFACE:
          if (bytes[i++] !== PREFACE_REST[this.n++]) this.frame = DEAD;
          else if (this.n === PREFACE_REST.length) this.frameStart();
          break;
        case F_HEAD:
          this.head(bytes[i++]);
          break;
        case F_PAD_LENGTH:
          this.padding = bytes[i++];
          this.frameLeft--;
          this.afterPadLength();
          break;
        case F_FIELDS: {
          const k = Math.min(to - i, this.n);
          i += k;
          this.n -= k;
          this.frameLeft -= k;
          if (this.n === 0) this.toBlock();
          break;
        }
        case F_BLOCK: {
          const e = Math.min(to, i + this.frameLeft - this.padding);
          i = this.block(bytes, i, e, base, report);
          if (this.frameLeft === this.padding) this.blockDone();
          break;
        }
        case F_SKIP: {
          const k = Math.min(to - i, this.frameLeft);
          i += k;
          this.frameLeft -= k;
          if (this.frameLeft === 0) this.frameStart();
          break;
        }
      }
    }
    this.next = base + to;
  }

  /** Bytes lost to the capture up to `offset`: the reading goes on after them where it still can. */
  gap(offset: number): void {
    const lost = offset - this.next;
    this.next = offset;
    if (lost <= 0 || this.frame === DEAD) return;
    if ((this.frame === F_BLOCK || this.frame === F_SKIP) && lost < this.frameLeft) {
      // inside a frame's payload: its end is known, the header block's reading is not
      if (this.frame === F_BLOCK) {
        this.h = H_LOST;
        this.tableLost = true;
        const inBlock = Math.min(lost, this.frameLeft - this.padding);
        this.frameLeft -= lost;
        if (lost > inBlock) {
          // into the padding: the fragment is over
          this.blockDone();
          return;
        }
        if (this.frameLeft === this.padding) this.blockDone();
        return;
      }
      this.frameLeft -= lost;
      return;
    }
    this.frame = DEAD;
  }

  private frameStart(): void {
    this.frame = F_HEAD;
    this.n = 0;
    this.length = 0;
  }

  private head(b: number): void {
    const k = this.n++;
    if (k < 3) this.length = (this.length << 8) | b;
    else if (k === 3) this.type = b;
    else if (k === 4) this.flags = b;
    if (this.n < FRAME_HEADER) return;
    this.frameLeft = this.length;
    this.padding = 0;
    const t = this.type;
    if (t !== FRAME_HEADERS && t !== FRAME_PUSH_PROMISE && t !== FRAME_CONTINUATION) return this.skip();
    this.blockEnds = (this.flags & FLAG_END_HEADERS) !== 0;
    if (t !== FRAME_CONTINUATION && this.flags & FLAG_PADDED) {
      if (this.frameLeft === 0) return this.skip();
      this.frame = F_PAD_LENGTH;
      return;
    }
    this.afterPadLength();
  }

  private afterPadLength(): void {
    const fields =
      this.type === FRAME_PUSH_PROMISE
        ? PROMISED_ID
        : this.type === FRAME_HEADERS && this.flags & FLAG_PRIORITY
          ? PRIORITY_FIELDS
          : 0;
    if (this.padding + fields > this.frameLeft) {
      // a receiver rejects the frame (PROTOCOL_ERROR): no field of it is read
      this.padding = 0;
      return this.skip();
    }
    if (fields > 0) {
      this.frame = F_FIELDS;
      this.n = fields;
      return;
    }
    this.toBlock();
  }

  private toBlock(): void {
    this.frame = F_BLOCK;
    if (this.frameLeft === this.padding) this.blockDone();
  }

  /** The current frame's header block fragment is read: its padding is passed over, the block may end. */
  private blockDone(): void {
    // a block ends at a field's end; one that does not is rejected (COMPRESSION_ERROR): the next starts afresh
    if (this.blockEnds) this.h = H_START;
    this.skip();
  }

  private skip(): void {
    this.frame = F_SKIP;
    if (this.frameLeft === 0) this.frameStart();
  }

  /** HPACK octets bytes[from, to) of the block; returns `to`. */
  private block(bytes: Uint8Array, from: number, to: number, base: number, report: Report): number {
    this.frameLeft -= to - from;
    let i = from;
    while (i < to) {
      switch (this.h) {
        case H_START:
          this.field(bytes[i++]);
          break;
        case H_INT:
          this.intMore(bytes[i++]);
          break;
        case H_STRING: {
          const b = bytes[i++];
          this.huffman = (b & 0x80) !== 0;
          this.int = b & 0x7f;
          if (this.int === 0x7f) {
            this.h = H_INT;
            this.shift = 0;
          } else this.intDone();
          break;
        }
        case H_NAME: {
          const e = Math.min(to, i + this.left);
          this.left -= e - i;
          for (; i < e; i++) this.nameOctet(bytes[i]);
          if (this.left === 0) this.nameDone();
          break;
        }
        case H_VALUE: {
          const e = Math.min(to, i + this.left);
          if (this.secret) report(base + i, base + e);
          this.left -= e - i;
          i = e;
          if (this.left === 0) this.valueDone();
          break;
        }
        case H_LOST:
          report(base + i, base + to);
          i = to;
          break;
      }
    }
    return to;
  }

  /** The first octet of a field representation (RFC 7541 6). */
  private field(b: number): void {
    if (b & 0x80) return this.intStart(I_INDEX, b & 0x7f, 0x7f);
    if (b & 0x40) {
      this.indexed = true;
      return this.intStart(I_NAME_INDEX, b & 0x3f, 0x3f);
    }
    if (b & 0x20) return this.intStart(I_SIZE, b & 0x1f, 0x1f);
    this.indexed = false;
    this.intStart(I_NAME_INDEX, b & 0x0f, 0x0f);
  }

  private intStart(kind: number, v: number, full: number): void {
    this.intKind = kind;
    this.int = v;
    if (v === full) {
      this.h = H_INT;
      this.shift = 0;
    } else this.intDone();
  }

  private intMore(b: number): void {
    this.int += (b & 0x7f) * 2 ** this.shift;
    this.shift += 7;
    if (b & 0x80) {
      if (this.shift > MAX_INT_SHIFT) this.lose();
      return;
    }
    this.intDone();
  }

  private intDone(): void {
    const v = this.int;
    switch (this.intKind) {
      case I_INDEX:
      case I_SIZE:
        // an indexed field sends no value octets; a table size update none at all
        this.h = H_START;
        return;
      case I_NAME_INDEX:
        if (v === 0) {
          this.intKind = I_NAME_LENGTH;
          this.h = H_STRING;
          return;
        }
        this.secret = this.indexSecret(v);
        this.intKind = I_VALUE_LENGTH;
        this.h = H_STRING;
        return;
      case I_NAME_LENGTH:
        this.left = v;
        this.at = 0;
        this.may = 0;
        for (let k = 0; k < SECRET_NAMES.length; k++)
          if ((this.huffman ? NAME_HUFFMAN : NAME_PLAIN)[k].length === v) this.may |= 1 << k;
        this.h = H_NAME;
        if (v === 0) this.nameDone();
        return;
      case I_VALUE_LENGTH:
        this.left = v;
        this.h = H_VALUE;
        if (v === 0) this.valueDone();
        return;
    }
  }

  /** Whether the name at HPACK index `v` (static, then dynamic: newest first) is a secret's. */
  private indexSecret(v: number): boolean {
    if (v <= STATIC_LAST) return v === STATIC_AUTHORIZATION || v === STATIC_COOKIE || v === STATIC_PROXY_AUTHORIZATION;
    const back = v - STATIC_LAST;
    if (this.tableLost || back > this.count || back > DYNAMIC_KEPT || this.table === undefined) return this.tableLost;
    return this.table[(this.count - back) % DYNAMIC_KEPT] === 1;
  }

  private nameOctet(b: number): void {
    const names = this.huffman ? NAME_HUFFMAN : NAME_PLAIN;
    // a plain name is compared ignoring case: a receiver that lowers it reads the same name
    const c = this.huffman || b < 0x41 || b > 0x5a ? b : b | 0x20;
    for (let k = 0; k < names.length; k++) if (this.may & (1 << k) && names[k][this.at] !== c) this.may &= ~(1 << k);
    this.at++;
  }

  private nameDone(): void {
    this.secret = this.may !== 0;
    this.intKind = I_VALUE_LENGTH;
    this.h = H_STRING;
  }

  private valueDone(): void {
    if (this.indexed) {
      // the field is the dynamic table's newest entry now: its name's flag is kept for later references to it
      if (this.table === undefined) this.table = new Uint8Array(DYNAMIC_KEPT);
      this.table[this.count % DYNAMIC_KEPT] = this.secret ? 1 : 0;
      this.count++;
    }
    this.secret = false;
    this.h = H_START;
  }

  /** The block can no longer be read: the rest of it is masked, the dynamic table is unknown. */
  private lose(): void {
    this.h = H_LOST;
    this.tableLost = true;
  }
}
