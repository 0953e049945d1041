import { TCP_FLAGS } from '../../check/names.js';
import { DEFAULT_MACS, DEFAULT_TTL } from './complete.js';
import { TUNNELS, type IpAddr, type Layer, type PacketDesc } from './model.js';

/**
 * A description as text, in the words parsePacket reads: what explain
 * printed back as built, and diff's example packets. parsePacket reads it
 * back to the same description. `brief` leaves out what completion would
 * fill in anyway with the same value (default MAC addresses, TTL 64, DSCP 0).
 */
export function formatPacket(d: PacketDesc, opts: { brief?: boolean } = {}): string {
  const words: string[] = [];
  if (d.tap !== undefined) words.push('tap', d.tap);
  layer(words, d.outer, !!opts.brief, false);
  if (d.len !== undefined) words.push('len', String(d.len));
  if (d.inner) {
    words.push('inner');
    layer(words, d.inner, !!opts.brief, true);
  }
  return words.join(' ');
}

export function formatIp(a: IpAddr): string {
  if (typeof a === 'number') return [a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255].join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((a[i] << 8) | a[i + 1]).toString(16));
  // the longest run of two or more zero groups becomes '::' (RFC 5952)
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

export function formatMac(n: number): string {
  const parts: string[] = [];
  for (let i = 0, x = n; i < 6; i++, x = Math.floor(x / 256)) parts.unshift((x % 256).toString(16).padStart(2, '0'));
  return parts.join(':');
}

const endpoint = (a: IpAddr, port: number | undefined): string => {
  const ip = formatIp(a);
  if (port === undefined) return ip;
  return typeof a === 'number' ? `${ip}:${port}` : `[${ip}]:${port}`;
};

function quote(bytes: Uint8Array): string {
  let s = '"';
  for (const b of bytes) {
    if (b === 0x22) s += '\\"';
    else if (b === 0x5c) s += '\\\\';
    else if (b === 0x0a) s += '\\n';
    else if (b === 0x0d) s += '\\r';
    else if (b === 0x09) s += '\\t';
    else if (b >= 0x20 && b < 0x7f) s += String.fromCharCode(b);
    else s += `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return s + '"';
}

function flagsText(f: number): string {
  const names = Object.entries(TCP_FLAGS)
    .filter(([n, b]) => n !== 'push' && f & b)
    .map(([n]) => n);
  return names.join(',') || 'none';
}

function layer(w: string[], L: Layer, brief: boolean, inner: boolean): void {
  const defaultMacs = inner ? [DEFAULT_MACS.innerSrc, DEFAULT_MACS.innerDst] : [DEFAULT_MACS.src, DEFAULT_MACS.dst];
  if (L.macSrc !== undefined && L.macDst !== undefined) {
    const usual = L.macSrc === defaultMacs[0] && (L.macDst === defaultMacs[1] || L.macDst === DEFAULT_MACS.broadcast);
    if (!brief || !usual) w.push(formatMac(L.macSrc), '>', formatMac(L.macDst));
  }
  for (const [i, v] of L.vlans.entries()) {
    w.push('vlan', String(v.id));
    if (v.pri) {
      if (i !== 0) break;
      w.push('priority', String(v.pri));
    }
  }
  for (const m of L.mpls) w.push('mpls', String(m));
  if (L.pppoe !== undefined) w.push('pppoe', String(L.pppoe));
  if (L.tunnel) {
    w.push(L.tunnel.kind);
    if (L.tunnel.id !== undefined && 'idMax' in TUNNELS[L.tunnel.kind]) w.push(String(L.tunnel.id));
  }
  if (L.etherType !== undefined) w.push('ethertype', `0x${L.etherType.toString(16).padStart(4, '0')}`);
  const tr = L.transport;
  const familyImplied =
    (L.src !== undefined && L.transport !== 'arp') || tr === 'icmp' || tr === 'icmp6' || tr === 'arp';
  if (tr) w.push(tr);
  else if (L.family && !familyImplied) w.push(L.family === 6 ? 'ip6' : 'ip');
  if (L.ipProto !== undefined && !tr && !L.tunnel) w.push('proto', String(L.ipProto));
  if (L.src !== undefined && L.dst !== undefined) w.push(endpoint(L.src, L.srcPort), '>', endpoint(L.dst, L.dstPort));
  if (L.arpOp !== undefined && (!brief || L.arpOp !== 1)) w.push('type', L.arpOp === 2 ? 'reply' : 'request');
  if (L.tcpFlags !== undefined) w.push('flags', flagsText(L.tcpFlags));
  if (L.icmpType !== undefined) w.push('type', String(L.icmpType));
  if (L.icmpCode !== undefined && (!brief || L.icmpCode !== 0)) w.push('code', String(L.icmpCode));
  if (L.ttl !== undefined && (!brief || L.ttl !== DEFAULT_TTL)) w.push('ttl', String(L.ttl));
  if (L.dscp !== undefined && (!brief || L.dscp !== 0)) w.push('dscp', String(L.dscp));
  if (L.fragment) w.push('fragment', L.fragment);
  if (L.payload) w.push('payload', quote(L.payload));
}
