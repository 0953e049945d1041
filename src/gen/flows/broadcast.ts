import { IPPROTO } from '../../fields/ip-proto.js';
import { prependUdp } from '../build/udp.js';
import type { Path } from '../path.js';
import { appendDhcpRequest, DHCP_DISCOVER, DHCP_REQUEST } from '../payload/dhcp.js';
import type { Prng } from '../prng.js';
import { wrapIp } from '../wrap.js';
import { Flow, type FlowContext } from './flow.js';

/** A DHCP client without an address: discover, then request, both to 255.255.255.255. */
export class BroadcastFlow extends Flow {
  private readonly xid: number;
  private readonly wanted: number;
  private sent = 0;

  constructor(path: Path, rng: Prng, wanted: number) {
    super(path);
    this.xid = rng.u32();
    this.wanted = wanted;
  }

  step(ctx: FlowContext): void {
    const f = ctx.frame;
    const type = this.sent === 0 ? DHCP_DISCOVER : DHCP_REQUEST;
    appendDhcpRequest(f, type, this.xid, this.path.client.mac, this.wanted);
    prependUdp(f, 68, 67, this.path.addrSum);
    wrapIp(f, this.path, true, IPPROTO.UDP);
    if (++this.sent === 2) this.done = true;
  }
}
