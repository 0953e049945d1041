import { sumIp4, sumIp6 } from './checksum.js';
import type { EncapFractions } from './options.js';
import type { Prng } from './prng.js';

export interface Endpoint {
  ip4: number;
  ip6: Uint8Array;
  mac: Uint8Array;
}

export type Tunnel = 'none' | 'mpls' | 'gre' | 'vxlan' | 'gtpu';

/** The router every client talks through: VRRP's virtual MAC. */
export const GATEWAY_MAC = Uint8Array.of(0x00, 0x00, 0x5e, 0x00, 0x01, 0x01);
export const BROADCAST_MAC = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
export const ZERO_MAC = new Uint8Array(6);

const CLIENTS = 8192;
const SERVERS = 512;

/** Documentation prefixes (RFC 5737 / RFC 3849) and private space, so nothing real is named. */
const SERVER_NETS = [0xc6336400, 0xcb007100, 0xc0000200]; // 198.51.100/24, 203.0.113/24, 192.0.2/24

function macFor(prefix: number, n: number): Uint8Array {
  return Uint8Array.of(0x02, prefix, (n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

function ip6For(group: number, n: number): Uint8Array {
  const a = new Uint8Array(16);
  a[0] = 0x20;
  a[1] = 0x01;
  a[2] = 0x0d;
  a[3] = 0xb8;
  a[5] = group;
  a[12] = (n >>> 24) & 0xff;
  a[13] = (n >>> 16) & 0xff;
  a[14] = (n >>> 8) & 0xff;
  a[15] = n & 0xff;
  return a;
}

export function clientEndpoint(rng: Prng): Endpoint {
  const n = rng.int(CLIENTS);
  const ip4 = (0x0a000000 | ((n >>> 6) << 8) | (2 + (n & 63))) >>> 0;
  return { ip4, ip6: ip6For(1, n + 1), mac: macFor(0x10, ip4) };
}

export function serverEndpoint(rng: Prng): Endpoint {
  const n = rng.int(SERVERS);
  const ip4 = (SERVER_NETS[n % SERVER_NETS.length] | (1 + ((n * 7) % 253))) >>> 0;
  return { ip4, ip6: ip6For(2, n + 1), mac: macFor(0x20, ip4) };
}

export function endpoint(ip4: number, ip6: Uint8Array, mac: Uint8Array): Endpoint {
  return { ip4, ip6, mac };
}

/**
 * Addressing and encapsulation of one flow, fixed for its lifetime: every
 * packet of a flow goes through the same VLANs, labels and tunnel.
 */
export class Path {
  v6 = false;
  client: Endpoint;
  server: Endpoint;
  /** The client's L2 neighbour: the gateway, or the group/broadcast MAC. */
  peerMac: Uint8Array = GATEWAY_MAC;
  clientTtl = 64;
  serverTtl = 64;
  dscp = 0;
  flowLabel = 0;
  clientIpId = 0;
  serverIpId = 0;
  vlans: number[] = [];
  qinq = false;
  pcp = 0;
  tunnel: Tunnel = 'none';
  mplsLabels: number[] = [];
  tunnelId = 0;
  outerA = 0;
  outerB = 0;
  outerMacA: Uint8Array = ZERO_MAC;
  outerMacB: Uint8Array = ZERO_MAC;
  outerIpId = 0;
  tunnelSrcPort = 0;
  /** Sum of both addresses for the pseudo-header: the same in either direction. */
  addrSum = 0;
  outerAddrSum = 0;

  constructor(client: Endpoint, server: Endpoint, v6: boolean) {
    this.client = client;
    this.server = server;
    this.v6 = v6;
    this.updateAddrSum();
  }

  updateAddrSum(): void {
    this.addrSum = this.v6
      ? sumIp6(this.client.ip6) + sumIp6(this.server.ip6)
      : sumIp4(this.client.ip4) + sumIp4(this.server.ip4);
  }

  /** Draws TTLs, IP ids and DSCP so flows do not all look alike. */
  randomizeIp(rng: Prng): void {
    this.clientTtl = rng.chance(0.3) ? 128 : 64;
    this.serverTtl = rng.pick([64, 64, 128, 255]) - rng.int(12);
    this.dscp = rng.chance(0.1) ? rng.pick([10, 18, 26, 34, 46]) : 0;
    this.flowLabel = rng.int(0x100000);
    this.clientIpId = rng.int(65536);
    this.serverIpId = rng.int(65536);
  }

  /** Chooses VLAN tagging (any flow) and, when `tunnelable`, a tunnel. */
  chooseEncap(rng: Prng, e: Readonly<EncapFractions>, tunnelable: boolean): void {
    const v = rng.float();
    if (v < e.vlan) this.vlans = [rng.range(2, 4094)];
    else if (v < e.vlan + e.qinq) {
      this.vlans = [rng.range(100, 199), rng.range(2, 4094)];
      this.qinq = true;
    }
    this.pcp = this.vlans.length > 0 && rng.chance(0.2) ? rng.range(1, 7) : 0;
    if (!tunnelable) return;
    let t = rng.float();
    const kinds: [Tunnel, number][] = [
      ['mpls', e.mpls],
      ['gre', e.gre],
      ['vxlan', e.vxlan],
      ['gtpu', e.gtpu],
    ];
    for (const [kind, frac] of kinds) {
      if (t < frac) {
        this.setTunnel(rng, kind);
        return;
      }
      t -= frac;
    }
  }

  private setTunnel(rng: Prng, kind: Tunnel): void {
    this.tunnel = kind;
    if (kind === 'mpls') {
      const n = rng.chance(0.3) ? 2 : 1;
      for (let i = 0; i < n; i++) this.mplsLabels.push(rng.range(16, 0xfffff));
      return;
    }
    this.tunnelId = kind === 'vxlan' ? rng.range(1, 0xffffff) : rng.range(1, 0xffffffff);
    // Tunnel endpoints in 172.16/12, so outer and inner addresses never mix.
    this.outerA = (0xac100000 | rng.int(0x100000)) >>> 0;
    this.outerB = (0xac100000 | rng.int(0x100000)) >>> 0;
    this.outerMacA = macFor(0x30, this.outerA);
    this.outerMacB = macFor(0x31, this.outerB);
    this.outerIpId = rng.int(65536);
    this.tunnelSrcPort = rng.range(49152, 65535);
    this.outerAddrSum = sumIp4(this.outerA) + sumIp4(this.outerB);
  }
}
