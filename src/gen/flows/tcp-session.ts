import { IPPROTO } from '../../fields/ip-proto.js';
import { prependTcp, TCP_FLAGS } from '../build/tcp.js';
import type { Frame } from '../frame.js';
import type { Path } from '../path.js';
import type { Prng } from '../prng.js';
import { wrapIp } from '../wrap.js';
import { appendBody, type BodyKind } from '../payload/body.js';
import { Flow, type FlowContext } from './flow.js';

const { FIN, SYN, RST, PSH, ACK } = TCP_FLAGS;

/** One application message: `head` bytes then `bodyLen` bytes cut from the pool. */
export interface TcpMessage {
  fromClient: boolean;
  head: Uint8Array;
  bodyLen: number;
  body: BodyKind;
}

const enum Phase {
  Syn,
  SynAck,
  Ack,
  Data,
  Fin1,
  Fin2,
  LastAck,
}

/** Reused: one per packet would be the only per-packet allocation. */
const seg = { srcPort: 0, dstPort: 0, seq: 0, ack: 0, flags: 0, window: 0, mss: 0 };

/**
 * A TCP connection with consistent sequence numbers: handshake, the given
 * messages cut into MSS-sized segments with delayed ACKs, then FIN (or RST).
 */
export class TcpSession extends Flow {
  private phase = Phase.Syn;
  private clientSeq: number;
  private serverSeq: number;
  private readonly mss: number;
  private msg = 0;
  private offset = 0;
  private segsUnacked = 0;
  private ackPending = false;
  private ackFromClient = false;
  private readonly bodyStart: number;
  private readonly clientCloses: boolean;
  private readonly reset: boolean;
  private readonly clientWindow: number;
  private readonly serverWindow: number;

  constructor(
    path: Path,
    rng: Prng,
    private readonly clientPort: number,
    private readonly serverPort: number,
    private readonly messages: TcpMessage[],
  ) {
    super(path);
    this.clientSeq = rng.u32();
    this.serverSeq = rng.u32();
    // Leave room for tunnel headers so frames stay within a 1500-byte MTU, as they would.
    this.mss = path.tunnel === 'none' ? (path.v6 ? 1440 : 1460) : 1380;
    this.bodyStart = rng.int(1 << 20);
    this.clientCloses = rng.chance(0.75);
    this.reset = rng.chance(0.03);
    this.clientWindow = rng.pick([64240, 65535, 29200, 8192]);
    this.serverWindow = rng.pick([65160, 65535, 28960, 14600]);
  }

  step(ctx: FlowContext): void {
    const f = ctx.frame;
    switch (this.phase) {
      case Phase.Syn:
        this.send(f, true, SYN, this.mss);
        this.clientSeq++;
        this.phase = Phase.SynAck;
        return;
      case Phase.SynAck:
        this.send(f, false, SYN | ACK, this.mss);
        this.serverSeq++;
        this.phase = Phase.Ack;
        return;
      case Phase.Ack:
        this.send(f, true, ACK, 0);
        this.phase = this.messages.length > 0 ? Phase.Data : Phase.Fin1;
        return;
      case Phase.Data:
        this.data(ctx);
        return;
      case Phase.Fin1:
        if (this.reset) {
          this.send(f, !this.clientCloses, RST | ACK, 0);
          this.done = true;
          return;
        }
        this.send(f, this.clientCloses, FIN | ACK, 0);
        this.bump(this.clientCloses);
        this.phase = Phase.Fin2;
        return;
      case Phase.Fin2:
        this.send(f, !this.clientCloses, FIN | ACK, 0);
        this.bump(!this.clientCloses);
        this.phase = Phase.LastAck;
        return;
      case Phase.LastAck:
        this.send(f, this.clientCloses, ACK, 0);
        this.done = true;
        return;
    }
  }

  private data(ctx: FlowContext): void {
    const f = ctx.frame;
    if (this.ackPending) {
      this.ackPending = false;
      this.send(f, this.ackFromClient, ACK, 0);
      if (this.msg >= this.messages.length) this.phase = Phase.Fin1;
      return;
    }
    const m = this.messages[this.msg];
    const total = m.head.length + m.bodyLen;
    const n = Math.min(this.mss, total - this.offset);
    const headEnd = Math.min(m.head.length, this.offset + n);
    if (this.offset < headEnd) f.append(m.head, this.offset, headEnd);
    const headBytes = Math.max(0, headEnd - this.offset);
    if (n > headBytes) {
      const bodyOffset = this.offset + headBytes - m.head.length;
      appendBody(f, ctx, m.body, this.bodyStart, bodyOffset, n - headBytes, m.bodyLen);
    }
    this.offset += n;
    const last = this.offset >= total;
    this.send(f, m.fromClient, last ? PSH | ACK : ACK, 0);
    if (m.fromClient) this.clientSeq += n;
    else this.serverSeq += n;
    this.segsUnacked++;
    if (last) {
      this.msg++;
      this.offset = 0;
      const next = this.messages[this.msg];
      // A reply in the other direction carries the ACK; otherwise the receiver sends one.
      if (next === undefined || next.fromClient === m.fromClient) this.ackPending = true;
    } else if (this.segsUnacked >= 2) {
      this.ackPending = true;
    }
    if (this.ackPending) {
      this.segsUnacked = 0;
      this.ackFromClient = !m.fromClient;
    }
    if (!this.ackPending && this.msg >= this.messages.length) this.phase = Phase.Fin1;
  }

  private bump(client: boolean): void {
    if (client) this.clientSeq++;
    else this.serverSeq++;
  }

  private send(f: Frame, fromClient: boolean, flags: number, mss: number): void {
    seg.srcPort = fromClient ? this.clientPort : this.serverPort;
    seg.dstPort = fromClient ? this.serverPort : this.clientPort;
    seg.seq = fromClient ? this.clientSeq : this.serverSeq;
    seg.ack = fromClient ? this.serverSeq : this.clientSeq;
    seg.flags = flags;
    seg.window = flags & RST ? 0 : fromClient ? this.clientWindow : this.serverWindow;
    seg.mss = mss;
    prependTcp(f, seg, this.path.addrSum);
    wrapIp(f, this.path, fromClient, IPPROTO.TCP);
  }
}
