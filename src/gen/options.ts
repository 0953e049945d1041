/** Relative weights of the kinds of flow started (normalised, so any scale works). */
export interface TrafficMix {
  /** TCP sessions: HTTP GET/POST and FTP logins, handshake to FIN. */
  tcp: number;
  /** DNS query/response over UDP 53. */
  dns: number;
  /** Other UDP: NTP, syslog and bulk datagrams. */
  udp: number;
  /** ICMP / ICMPv6 echo request and reply. */
  icmp: number;
  arp: number;
  /** mDNS to 224.0.0.251 / ff02::fb. */
  multicast: number;
  /** DHCP discover/request to 255.255.255.255. */
  broadcast: number;
}

/** Fractions (0..1) of IP flows wrapped in each encapsulation. */
export interface EncapFractions {
  /** One 802.1Q tag. */
  vlan: number;
  /** 802.1ad outer tag plus 802.1Q inner tag. */
  qinq: number;
  /** The tunnels below are exclusive of each other; their sum must not exceed 1. */
  mpls: number;
  gre: number;
  vxlan: number;
  gtpu: number;
}

export interface GenerateOptions {
  /** Number of packets to produce. */
  packets: number;
  /** Flows active at once; a finished flow is replaced by a new one (default 256). */
  flows?: number;
  /** PRNG seed; the same options and seed give the same bytes (default 1). */
  seed?: number;
  /** Weights of the flow kinds to generate; a kind the mix does not name is not generated (default DEFAULT_MIX). */
  mix?: Partial<TrafficMix>;
  /** Fraction of IP flows over IPv6 (default 0.2). */
  ipv6Fraction?: number;
  encap?: Partial<EncapFractions>;
  /** Fraction of TCP sessions carrying clear-text credentials or a card number (default 0.05). */
  credentialFraction?: number;
  /** Only Ethernet is generated for now. */
  linkType?: 'ethernet';
  /** Epoch seconds of the first packet (default 1700000000). */
  startTime?: number;
  /** Mean gap between consecutive packets in microseconds (default 10). */
  meanGapUs?: number;
}

export interface ResolvedOptions {
  readonly packets: number;
  readonly flows: number;
  readonly seed: number;
  readonly mix: Readonly<TrafficMix>;
  readonly ipv6Fraction: number;
  readonly encap: Readonly<EncapFractions>;
  readonly credentialFraction: number;
  readonly startTime: number;
  readonly meanGapUs: number;
}

export const DEFAULT_MIX: Readonly<TrafficMix> = Object.freeze({
  tcp: 0.45,
  dns: 0.2,
  udp: 0.14,
  icmp: 0.08,
  arp: 0.05,
  multicast: 0.04,
  broadcast: 0.04,
});

const NO_FLOWS: Readonly<TrafficMix> = Object.freeze({
  tcp: 0,
  dns: 0,
  udp: 0,
  icmp: 0,
  arp: 0,
  multicast: 0,
  broadcast: 0,
});

export const DEFAULT_ENCAP: Readonly<EncapFractions> = Object.freeze({
  vlan: 0.1,
  qinq: 0.02,
  mpls: 0.03,
  gre: 0.03,
  vxlan: 0.03,
  gtpu: 0.03,
});

export class GenOptionError extends Error {
  override readonly name = 'GenOptionError';
}

function check(ok: boolean, message: string): void {
  if (!ok) throw new GenOptionError(message);
}

function fraction(name: string, v: number): number {
  check(Number.isFinite(v) && v >= 0 && v <= 1, `${name} must be a number from 0 to 1, got ${v}`);
  return v;
}

export function resolveOptions(o: GenerateOptions): ResolvedOptions {
  check(Number.isSafeInteger(o.packets) && o.packets >= 0, `packets must be a non-negative integer, got ${o.packets}`);
  const flows = o.flows ?? 256;
  check(
    Number.isSafeInteger(flows) && flows >= 1 && flows <= 1_000_000,
    `flows must be an integer from 1 to 1000000, got ${flows}`,
  );
  const seed = o.seed ?? 1;
  check(Number.isSafeInteger(seed), `seed must be an integer, got ${seed}`);
  check(o.linkType === undefined || o.linkType === 'ethernet', `unsupported link type ${String(o.linkType)}`);
  // a mix names what to generate: `tcp=1` means TCP sessions only, not TCP on top of the default mix
  const mix: TrafficMix = o.mix ? { ...NO_FLOWS, ...o.mix } : { ...DEFAULT_MIX };
  for (const [k, v] of Object.entries(mix))
    check(Number.isFinite(v) && v >= 0, `mix.${k} must be a non-negative number, got ${v}`);
  check(
    Object.values(mix).some((v) => v > 0),
    'mix must give some kind of flow a positive weight',
  );
  const encap = { ...DEFAULT_ENCAP, ...o.encap };
  for (const [k, v] of Object.entries(encap)) fraction(`encap.${k}`, v);
  check(encap.vlan + encap.qinq <= 1, 'encap.vlan + encap.qinq must not exceed 1');
  check(
    encap.mpls + encap.gre + encap.vxlan + encap.gtpu <= 1,
    'encap tunnel fractions (mpls, gre, vxlan, gtpu) must not exceed 1 in sum',
  );
  const startTime = o.startTime ?? 1_700_000_000;
  check(
    Number.isSafeInteger(startTime) && startTime >= 0 && startTime < 2 ** 32,
    `startTime must be epoch seconds, got ${startTime}`,
  );
  const meanGapUs = o.meanGapUs ?? 10;
  check(Number.isFinite(meanGapUs) && meanGapUs >= 0, `meanGapUs must be a non-negative number, got ${meanGapUs}`);
  return Object.freeze({
    packets: o.packets,
    flows,
    seed,
    mix: Object.freeze(mix),
    ipv6Fraction: fraction('ipv6Fraction', o.ipv6Fraction ?? 0.2),
    encap: Object.freeze(encap),
    credentialFraction: fraction('credentialFraction', o.credentialFraction ?? 0.05),
    startTime,
    meanGapUs,
  });
}
