import {
  ICMP6_ECHO_REPLY,
  ICMP6_ECHO_REQUEST,
  ICMP_ECHO_REPLY,
  ICMP_ECHO_REQUEST,
  prependIcmpEcho,
} from '../build/icmp.js';
import { IPPROTO } from '../../fields/ip-proto.js';
import type { Path } from '../path.js';
import type { Prng } from '../prng.js';
import { wrapIp } from '../wrap.js';
import { Flow, type FlowContext } from './flow.js';

/** Like Linux ping: 8 bytes of send time, then bytes 0x10, 0x11, ... up to 56 bytes. */
const PATTERN = Uint8Array.from({ length: 48 }, (_, i) => 0x10 + 8 + i);

/** A few echo requests, each answered. */
export class IcmpEchoFlow extends Flow {
  private readonly id: number;
  private seq = 1;
  private remaining: number;

  constructor(path: Path, rng: Prng) {
    super(path);
    this.id = rng.int(65536);
    this.remaining = 2 * rng.range(1, 4);
  }

  step(ctx: FlowContext): void {
    const f = ctx.frame;
    const request = this.remaining % 2 === 0;
    f.u32(ctx.nowSec);
    f.u32(0);
    f.append(PATTERN);
    const v6 = this.path.v6;
    const type = request ? (v6 ? ICMP6_ECHO_REQUEST : ICMP_ECHO_REQUEST) : v6 ? ICMP6_ECHO_REPLY : ICMP_ECHO_REPLY;
    prependIcmpEcho(f, type, this.id, this.seq, v6 ? this.path.addrSum : -1);
    wrapIp(f, this.path, request, v6 ? IPPROTO.ICMPV6 : IPPROTO.ICMP);
    if (!request) this.seq++;
    if (--this.remaining === 0) this.done = true;
  }
}
