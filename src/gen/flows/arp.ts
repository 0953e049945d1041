import { ETHERTYPE } from '../../fields/ethertype.js';
import { appendArp, ARP_REPLY, ARP_REQUEST } from '../build/arp.js';
import { BROADCAST_MAC, type Path, ZERO_MAC } from '../path.js';
import { wrapL2 } from '../wrap.js';
import { Flow, type FlowContext } from './flow.js';

/** Who-has to the broadcast address, then the unicast is-at. `path.server` is the target host. */
export class ArpFlow extends Flow {
  private replied = false;

  constructor(path: Path) {
    super(path);
    path.peerMac = BROADCAST_MAC;
  }

  step(ctx: FlowContext): void {
    const f = ctx.frame;
    const { client, server } = this.path;
    if (!this.replied) {
      appendArp(f, ARP_REQUEST, client.mac, client.ip4, ZERO_MAC, server.ip4);
      wrapL2(f, this.path, true, ETHERTYPE.ARP);
      this.path.peerMac = server.mac;
      this.replied = true;
      return;
    }
    appendArp(f, ARP_REPLY, server.mac, server.ip4, client.mac, client.ip4);
    wrapL2(f, this.path, false, ETHERTYPE.ARP);
    this.done = true;
  }
}
