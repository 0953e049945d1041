import { Prng } from '../../../src/gen/prng.js';
import { TUNNELS, type TunnelKind } from '../../../src/cli/packet/model.js';

/**
 * Random packet descriptions that are valid by construction: every word the
 * description language has, in the combinations a real frame allows, with
 * random values. Used to check that what is built decodes as described.
 */
export function randomSpec(rng: Prng): string {
  const w: string[] = [];
  const tunnel: TunnelKind | undefined = rng.chance(0.5) ? rng.pick(Object.keys(TUNNELS) as TunnelKind[]) : undefined;
  if (!tunnel) {
    layer(rng, w, { ether: true });
  } else {
    const info = TUNNELS[tunnel];
    const outer: string[] = [];
    l2(rng, outer, true);
    outer.push(tunnel);
    if ('idMax' in info && rng.chance(0.8)) outer.push(String(rng.int(info.idMax + 1)));
    const v6 = !('ipv4Only' in info) && rng.chance(0.3);
    if ('udpPort' in info) {
      if (rng.chance(0.3)) outer.push('udp');
      if (rng.chance(0.5)) {
        const p = info.udpPort;
        const [s, d] = rng.chance(0.5) ? [port(rng), p] : [p, port(rng)];
        outer.push(addr(rng, v6 ? 6 : 4, s), '>', addr(rng, v6 ? 6 : 4, d));
      } else if (v6) outer.push(addr(rng, 6), '>', addr(rng, 6));
    } else if (v6) outer.push(addr(rng, 6), '>', addr(rng, 6));
    ipExtras(rng, outer, false);
    w.push(...outer);
    if (rng.chance(0.2)) w.push('len', String(1000 + rng.int(500)));
    if (rng.chance(0.8)) {
      w.push('inner');
      const carries = info.carries;
      const ether = carries === 'ether' || (carries === 'ip-or-ether' && rng.chance(0.4));
      const fam: 4 | 6 | undefined = carries === 'ip6' ? 6 : tunnel === 'ipip' && !v6 ? 4 : undefined;
      layer(rng, w, { ether, family: fam, sixToFour: tunnel === '6to4' });
    }
    return w.join(' ');
  }
  if (rng.chance(0.2)) w.push('len', String(1000 + rng.int(500)));
  return w.join(' ');
}

function l2(rng: Prng, w: string[], ether: boolean, ip = true): void {
  if (!ether) return;
  if (rng.chance(0.3)) w.push(mac(rng), '>', mac(rng));
  const tags = rng.chance(0.3) ? 1 + rng.int(2) : 0;
  for (let i = 0; i < tags; i++) {
    w.push('vlan', String(rng.int(4096)));
    if (i === 0 && rng.chance(0.3)) w.push('priority', String(rng.int(8)));
  }
  if (!ip) return;
  if (rng.chance(0.15)) for (let i = 0, n = 1 + rng.int(3); i < n; i++) w.push('mpls', String(rng.int(1 << 20)));
  else if (rng.chance(0.1)) w.push('pppoe', String(rng.int(65536)));
}

function layer(rng: Prng, w: string[], o: { ether: boolean; family?: 4 | 6; sixToFour?: boolean }): void {
  const kinds = ['tcp', 'udp', 'sctp', 'icmp', 'icmp6', 'ip', 'ip6', 'proto', 'arp', 'ethertype'].filter((k) => {
    if ((k === 'arp' || k === 'ethertype') && !o.ether) return false;
    if (o.family === 6 && (k === 'icmp' || k === 'ip' || k === 'arp')) return false;
    if (o.family === 4 && (k === 'icmp6' || k === 'ip6')) return false;
    return true;
  });
  const kind = rng.pick(kinds);
  const notIp = kind === 'arp' || kind === 'ethertype';
  l2(rng, w, o.ether, !notIp);
  if (kind === 'ethertype') {
    w.push('ethertype', `0x${rng.pick([0x88cc, 0x88b5, 0x9000, 0x0600]).toString(16)}`);
    if (rng.chance(0.5)) w.push('payload', payload(rng));
    return;
  }
  if (kind === 'arp') {
    w.push('arp', addr(rng, 4), '>', addr(rng, 4));
    if (rng.chance(0.5)) w.push('type', rng.pick(['request', 'reply']));
    return;
  }
  const family: 4 | 6 =
    kind === 'icmp' || kind === 'ip'
      ? 4
      : kind === 'icmp6' || kind === 'ip6'
        ? 6
        : (o.family ?? (rng.chance(0.3) ? 6 : 4));
  if (kind === 'proto') {
    w.push(
      family === 6 ? 'ip6' : 'ip',
      'proto',
      String(rng.pick(family === 6 ? [89, 103, 112, 250] : [89, 103, 112, 50, 51, 250])),
    );
  } else w.push(kind);
  const later = rng.chance(0.1);
  const ports = (kind === 'tcp' || kind === 'udp' || kind === 'sctp') && !later && rng.chance(0.8);
  if (ports || rng.chance(0.7)) {
    const s = ports ? port(rng) : undefined;
    const d = ports ? port(rng) : undefined;
    // 6to4's inner addresses are in 2002::/16 (one at least); other IPv6 addresses here never are
    w.push(o.sixToFour ? sixToFour6(rng, s) : addr(rng, family, s), '>', addr(rng, family, d));
  }
  if (kind === 'tcp' && !later && rng.chance(0.6))
    w.push('flags', rng.pick(['syn', 'syn,ack', 'fin,ack', 'rst', 'none', 'psh,ack,urg']));
  if ((kind === 'icmp' || kind === 'icmp6') && !later) {
    if (rng.chance(0.6)) w.push('type', String(rng.int(256)));
    if (rng.chance(0.4)) w.push('code', String(rng.int(256)));
  }
  ipExtras(rng, w, true, later);
  if (rng.chance(0.4)) w.push('payload', payload(rng));
}

function ipExtras(rng: Prng, w: string[], fragments: boolean, later = false): void {
  if (rng.chance(0.4)) w.push('ttl', String(rng.int(256)));
  if (rng.chance(0.3)) w.push('dscp', String(rng.int(64)));
  if (fragments && later) w.push('fragment', 'later');
  else if (fragments && rng.chance(0.1)) w.push('fragment');
}

function sixToFour6(rng: Prng, port?: number): string {
  const a = `2002:${rng.int(65536).toString(16)}:${rng.int(65536).toString(16)}::${(1 + rng.int(65535)).toString(16)}`;
  return port === undefined ? a : `[${a}]:${port}`;
}

function addr(rng: Prng, family: 4 | 6, port?: number): string {
  if (family === 4) {
    const a = [rng.int(256), rng.int(256), rng.int(256), rng.int(256)].join('.');
    return port === undefined ? a : `${a}:${port}`;
  }
  // no 2002::/16 here: that prefix makes IPv6 in IPv4 6to4
  const groups = Array.from({ length: 8 }, (_, i) => (i === 0 ? 0x2001 : rng.int(65536)).toString(16));
  if (rng.chance(0.5)) groups.fill('0', 3, 7);
  const a = groups.join(':');
  return port === undefined ? (rng.chance(0.5) ? a : `[${a}]`) : `[${a}]:${port}`;
}

function mac(rng: Prng): string {
  return Array.from({ length: 6 }, () => rng.int(256).toString(16).padStart(2, '0')).join(':');
}

function payload(rng: Prng): string {
  const n = rng.int(40);
  let s = '"';
  for (let i = 0; i < n; i++) {
    const c = rng.int(128);
    if (c === 0x22) s += '\\"';
    else if (c === 0x5c) s += '\\\\';
    else if (c === 10) s += '\\n';
    else if (c < 0x20 || c === 0x7f) s += `\\x${c.toString(16).padStart(2, '0')}`;
    else s += String.fromCharCode(c);
  }
  return s + '"';
}

/** A port no UDP tunnel is recognised by (a UDP packet to one of those is that tunnel to the decoder). */
function port(rng: Prng): number {
  for (;;) {
    const p = rng.int(65536);
    if (!Object.values(TUNNELS).some((t) => 'udpPort' in t && t.udpPort === p)) return p;
  }
}
