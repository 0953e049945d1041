import { IPPROTO } from '../../fields/ip-proto.js';
import { prependUdp } from '../build/udp.js';
import type { Path } from '../path.js';
import { appendNtp } from '../payload/ntp.js';
import { syslogLine } from '../payload/syslog.js';
import type { Prng } from '../prng.js';
import { wrapIp } from '../wrap.js';
import { clientPort, Flow, type FlowContext } from './flow.js';

type UdpApp = 'ntp' | 'syslog' | 'bulk';

/** Readable filler, encoded once: appending it is then a single copy. */
const BULK_TEXT = Buffer.from('tmesc generator bulk datagram; '.repeat(48), 'latin1');

/** Non-DNS UDP: an NTP exchange, a burst of syslog lines, or a one-way bulk stream. */
export class UdpFlow extends Flow {
  private readonly app: UdpApp;
  private readonly port: number;
  private readonly serverPort: number;
  private remaining: number;
  private readonly size: number;
  private seq = 0;

  constructor(path: Path, rng: Prng) {
    super(path);
    const r = rng.float();
    this.app = r < 0.3 ? 'ntp' : r < 0.6 ? 'syslog' : 'bulk';
    this.port = this.app === 'ntp' && rng.chance(0.5) ? 123 : clientPort(rng);
    // Bulk goes to ports no dissector claims, so its made-up payload is just data.
    this.serverPort = this.app === 'ntp' ? 123 : this.app === 'syslog' ? 514 : rng.range(40000, 40999);
    this.remaining = this.app === 'ntp' ? 2 : this.app === 'syslog' ? rng.range(1, 6) : rng.range(5, 40);
    this.size = rng.range(64, 1200);
  }

  step(ctx: FlowContext): void {
    const f = ctx.frame;
    let fromClient = true;
    if (this.app === 'ntp') {
      fromClient = this.remaining === 2;
      appendNtp(f, fromClient ? 3 : 4, ctx.nowSec);
    } else if (this.app === 'syslog') {
      f.appendText(syslogLine(ctx.rng, 'host-' + (this.path.client.ip4 & 0xffff).toString(16)));
    } else {
      f.u32(this.seq++);
      f.append(BULK_TEXT, 0, this.size - 4);
    }
    const sp = fromClient ? this.port : this.serverPort;
    const dp = fromClient ? this.serverPort : this.port;
    prependUdp(f, sp, dp, this.path.addrSum);
    wrapIp(f, this.path, fromClient, IPPROTO.UDP);
    if (--this.remaining === 0) this.done = true;
  }
}
