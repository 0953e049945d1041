import { BROADCAST_MAC, clientEndpoint, endpoint, GATEWAY_MAC, Path, serverEndpoint } from '../path.js';
import { ftpLogin } from '../payload/ftp.js';
import { type HttpCredential, httpExchange } from '../payload/http.js';
import type { Prng } from '../prng.js';
import { ArpFlow } from './arp.js';
import { BroadcastFlow } from './broadcast.js';
import { DnsFlow } from './dns.js';
import { clientPort, type Flow, type FlowContext, type FlowKind } from './flow.js';
import { IcmpEchoFlow } from './icmp.js';
import { MulticastFlow } from './multicast.js';
import { TcpSession, type TcpMessage } from './tcp-session.js';
import { UdpFlow } from './udp.js';

export const FLOW_KINDS: readonly FlowKind[] = ['tcp', 'dns', 'udp', 'icmp', 'arp', 'multicast', 'broadcast'];

function ipPath(ctx: FlowContext): Path {
  const { rng, options } = ctx;
  const path = new Path(clientEndpoint(rng), serverEndpoint(rng), rng.chance(options.ipv6Fraction));
  path.randomizeIp(rng);
  path.chooseEncap(rng, options.encap, true);
  return path;
}

/** A path whose "server" is a group or broadcast address; such traffic is not tunnelled here. */
function groupPath(
  ctx: FlowContext,
  ip4: number,
  ip6: Uint8Array,
  mac: Uint8Array,
  v6: boolean,
  client = clientEndpoint(ctx.rng),
): Path {
  const path = new Path(client, endpoint(ip4, ip6, mac), v6);
  path.randomizeIp(ctx.rng);
  path.peerMac = mac;
  path.chooseEncap(ctx.rng, ctx.options.encap, false);
  return path;
}

const MDNS6 = Uint8Array.of(0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xfb);
const MDNS4_MAC = Uint8Array.of(0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb);
const MDNS6_MAC = Uint8Array.of(0x33, 0x33, 0x00, 0x00, 0x00, 0xfb);
const NO_IP6 = new Uint8Array(16);

const text = (s: string): Uint8Array => Buffer.from(s, 'latin1');

function tcpFlow(ctx: FlowContext): Flow {
  const rng = ctx.rng;
  const path = ipPath(ctx);
  let cred: HttpCredential | 'ftp' = 'none';
  if (rng.chance(ctx.options.credentialFraction)) cred = rng.pick(['basic-auth', 'card-post', 'ftp'] as const);
  const messages: TcpMessage[] = [];
  let serverPort: number;
  if (cred === 'ftp') {
    serverPort = 21;
    for (const [fromClient, line] of ftpLogin(rng))
      messages.push({ fromClient, head: text(line), bodyLen: 0, body: 'text' });
  } else {
    serverPort = rng.chance(0.8) ? 80 : 8080;
    // Keep-alive: sometimes several exchanges on one connection.
    const exchanges = rng.chance(0.2) ? rng.range(2, 4) : 1;
    for (let i = 0; i < exchanges; i++) {
      const x = httpExchange(rng, i === 0 ? cred : 'none');
      messages.push({ fromClient: true, head: text(x.request), bodyLen: 0, body: 'text' });
      messages.push({
        fromClient: false,
        head: text(x.responseHead),
        bodyLen: x.responseBodyLen,
        body: x.responseBody,
      });
    }
  }
  return new TcpSession(path, rng, clientPort(rng), serverPort, messages);
}

function arpFlow(ctx: FlowContext): Flow {
  const rng = ctx.rng;
  const client = clientEndpoint(rng);
  const subnet = client.ip4 & 0xffffff00;
  // Mostly the default gateway, sometimes a neighbour.
  const target = rng.chance(0.7)
    ? endpoint((subnet | 1) >>> 0, NO_IP6, GATEWAY_MAC)
    : endpoint(
        (subnet | rng.range(70, 250)) >>> 0,
        NO_IP6,
        Uint8Array.of(0x02, 0x11, 0, 0, rng.int(256), rng.int(256)),
      );
  const path = new Path(client, target, false);
  path.chooseEncap(rng, ctx.options.encap, false);
  return new ArpFlow(path);
}

export function startFlow(kind: FlowKind, ctx: FlowContext): Flow {
  const rng: Prng = ctx.rng;
  switch (kind) {
    case 'tcp':
      return tcpFlow(ctx);
    case 'dns':
      return new DnsFlow(ipPath(ctx), rng);
    case 'udp':
      return new UdpFlow(ipPath(ctx), rng);
    case 'icmp':
      return new IcmpEchoFlow(ipPath(ctx), rng);
    case 'arp':
      return arpFlow(ctx);
    case 'multicast': {
      const v6 = rng.chance(ctx.options.ipv6Fraction);
      return new MulticastFlow(groupPath(ctx, 0xe00000fb, MDNS6, v6 ? MDNS6_MAC : MDNS4_MAC, v6), rng);
    }
    case 'broadcast': {
      const c = clientEndpoint(rng);
      const path = groupPath(ctx, 0xffffffff, NO_IP6, BROADCAST_MAC, false, endpoint(0, NO_IP6, c.mac));
      return new BroadcastFlow(path, rng, c.ip4);
    }
  }
}
