import { IPPROTO } from '../../fields/ip-proto.js';
import { prependUdp } from '../build/udp.js';
import type { Path } from '../path.js';
import {
  appendDns,
  DNS_NAMES,
  DNS_QUERY_FLAGS,
  DNS_RESPONSE_FLAGS,
  DNS_TYPE_A,
  DNS_TYPE_AAAA,
} from '../payload/dns.js';
import type { Prng } from '../prng.js';
import { wrapIp } from '../wrap.js';
import { clientPort, Flow, type FlowContext } from './flow.js';

/** One to three lookups, each a query and its answer. */
export class DnsFlow extends Flow {
  private readonly port: number;
  private remaining: number;
  private id = 0;
  private name = '';
  private qtype = DNS_TYPE_A;
  private readonly answer4 = new Uint8Array(4);
  private readonly answer6 = new Uint8Array(16);

  constructor(path: Path, rng: Prng) {
    super(path);
    this.port = clientPort(rng);
    this.remaining = 2 * rng.range(1, 3);
  }

  step(ctx: FlowContext): void {
    const f = ctx.frame;
    const rng = ctx.rng;
    const query = this.remaining % 2 === 0;
    if (query) {
      this.id = rng.int(65536);
      this.name = rng.pick(DNS_NAMES);
      this.qtype = rng.chance(0.3) ? DNS_TYPE_AAAA : DNS_TYPE_A;
      appendDns(f, this.id, DNS_QUERY_FLAGS, this.name, this.qtype, undefined);
    } else {
      const answer = this.qtype === DNS_TYPE_A ? this.answer4 : this.answer6;
      rng.fill(answer);
      if (answer === this.answer6) answer.set([0x20, 0x01, 0x0d, 0xb8]);
      appendDns(f, this.id, DNS_RESPONSE_FLAGS, this.name, this.qtype, answer);
    }
    prependUdp(f, query ? this.port : 53, query ? 53 : this.port, this.path.addrSum);
    wrapIp(f, this.path, query, IPPROTO.UDP);
    if (--this.remaining === 0) this.done = true;
  }
}
