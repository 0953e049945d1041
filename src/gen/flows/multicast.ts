import { IPPROTO } from '../../fields/ip-proto.js';
import { prependUdp } from '../build/udp.js';
import type { Path } from '../path.js';
import { appendDns, DNS_TYPE_A, MDNS_QUERY_FLAGS, MDNS_RESPONSE_FLAGS } from '../payload/dns.js';
import type { Prng } from '../prng.js';
import { wrapIp } from '../wrap.js';
import { Flow, type FlowContext } from './flow.js';

const MDNS_PORT = 5353;
const NAMES = ['printer.local', 'nas.local', 'tv.local', 'speaker.local'];

/** mDNS: a host asks the group for a name, then announces its own. `path.server` is the group. */
export class MulticastFlow extends Flow {
  private remaining: number;
  private readonly answer = new Uint8Array(4);

  constructor(path: Path, rng: Prng) {
    super(path);
    this.remaining = rng.range(1, 3);
    path.clientTtl = 255;
  }

  step(ctx: FlowContext): void {
    const f = ctx.frame;
    const name = ctx.rng.pick(NAMES);
    if (this.remaining % 2 === 1) {
      appendDns(f, 0, MDNS_QUERY_FLAGS, name, DNS_TYPE_A, undefined);
    } else {
      const ip = this.path.client.ip4;
      this.answer[0] = ip >>> 24;
      this.answer[1] = ip >>> 16;
      this.answer[2] = ip >>> 8;
      this.answer[3] = ip;
      appendDns(f, 0, MDNS_RESPONSE_FLAGS, name, DNS_TYPE_A, this.answer);
    }
    prependUdp(f, MDNS_PORT, MDNS_PORT, this.path.addrSum);
    wrapIp(f, this.path, true, IPPROTO.UDP);
    if (--this.remaining === 0) this.done = true;
  }
}
