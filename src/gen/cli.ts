import { CaptureError } from '../runtime/capture/errors.js';
import { generate, type GenerateFileOptions } from './generate.js';
import { DEFAULT_ENCAP, DEFAULT_MIX, type EncapFractions, GenOptionError, type TrafficMix } from './options.js';

/**
 * Options as a CLI parser hands them over (strings, or already-typed values);
 * `tmesc gen` maps its flags to these names.
 */
export interface GenCliOptions {
  output?: string;
  packets?: string | number;
  flows?: string | number;
  seed?: string | number;
  /** pcap or pcapng; by default pcapng when the output name ends in .pcapng, else pcap. */
  format?: string;
  /** Nanosecond timestamps. */
  nanosecond?: boolean;
  ipv6?: string | number;
  /** "tcp=0.5,dns=0.2,...": weights of flow kinds (unnamed kinds keep their defaults). */
  mix?: string;
  /** "vlan=0.1,qinq=0.02,mpls=0,gre=0.05,vxlan=0.05,gtpu=0.05". */
  encap?: string;
  credentials?: string | number;
  startTime?: string | number;
  gapUs?: string | number;
}

/** Flag table for the CLI layer (commander-style flags), so help text lives next to the parsing. */
export const GEN_CLI_OPTIONS: readonly { flags: string; description: string; defaultValue?: string }[] = [
  { flags: '-o, --output <file>', description: 'capture file to write' },
  { flags: '-n, --packets <count>', description: 'number of packets', defaultValue: '100000' },
  { flags: '--flows <count>', description: 'flows active at once', defaultValue: '256' },
  { flags: '--seed <int>', description: 'PRNG seed (same seed, same bytes)', defaultValue: '1' },
  { flags: '--format <pcap|pcapng>', description: 'output format (default: from the file name, else pcap)' },
  { flags: '--nanosecond', description: 'nanosecond timestamps' },
  { flags: '--ipv6 <fraction>', description: 'fraction of IP flows over IPv6', defaultValue: '0.2' },
  { flags: '--mix <k=v,...>', description: `flow kind weights (${Object.keys(DEFAULT_MIX).join(', ')})` },
  { flags: '--encap <k=v,...>', description: `encapsulation fractions (${Object.keys(DEFAULT_ENCAP).join(', ')})` },
  {
    flags: '--credentials <fraction>',
    description: 'fraction of TCP sessions with clear-text credentials',
    defaultValue: '0.05',
  },
  { flags: '--start-time <epoch-seconds>', description: 'time of the first packet', defaultValue: '1700000000' },
  { flags: '--gap-us <microseconds>', description: 'mean gap between packets', defaultValue: '10' },
];

export interface CliIo {
  stdout(line: string): void;
  stderr(line: string): void;
}

const defaultIo: CliIo = {
  stdout: (l) => process.stdout.write(l + '\n'),
  stderr: (l) => process.stderr.write(l + '\n'),
};

function num(name: string, v: string | number | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = typeof v === 'number' ? v : Number(v.trim());
  if (typeof v === 'string' && v.trim() === '') throw new GenOptionError(`--${name} needs a number`);
  if (!Number.isFinite(n)) throw new GenOptionError(`--${name} must be a number, got "${v}"`);
  return n;
}

function pairs<K extends string>(
  name: string,
  spec: string | undefined,
  keys: readonly K[],
): Partial<Record<K, number>> | undefined {
  if (spec === undefined) return undefined;
  const out: Partial<Record<K, number>> = {};
  for (const part of spec.split(',').filter((p) => p.trim() !== '')) {
    const [k, v, extra] = part.split('=').map((s) => s.trim());
    if (!keys.includes(k as K) || v === undefined || extra !== undefined) {
      throw new GenOptionError(`--${name}: expected ${keys.join('|')}=<number>, got "${part}"`);
    }
    out[k as K] = num(`${name} ${k}`, v);
  }
  return out;
}

/** Turns CLI options into generate() options; throws GenOptionError on bad input. */
export function parseGenOptions(o: GenCliOptions): GenerateFileOptions {
  if (o.output === undefined || o.output === '') throw new GenOptionError('--output is required');
  let format = o.format;
  if (format === undefined) format = o.output.toLowerCase().endsWith('.pcapng') ? 'pcapng' : 'pcap';
  if (format !== 'pcap' && format !== 'pcapng')
    throw new GenOptionError(`--format must be pcap or pcapng, got "${format}"`);
  return {
    output: o.output,
    format,
    resolution: o.nanosecond ? 'ns' : 'us',
    packets: num('packets', o.packets) ?? 100_000,
    flows: num('flows', o.flows),
    seed: num('seed', o.seed),
    ipv6Fraction: num('ipv6', o.ipv6),
    mix: pairs<keyof TrafficMix>('mix', o.mix, Object.keys(DEFAULT_MIX) as (keyof TrafficMix)[]),
    encap: pairs<keyof EncapFractions>('encap', o.encap, Object.keys(DEFAULT_ENCAP) as (keyof EncapFractions)[]),
    credentialFraction: num('credentials', o.credentials),
    startTime: num('start-time', o.startTime),
    meanGapUs: num('gap-us', o.gapUs),
  };
}

/** Runs `tmesc gen`; returns the exit code (0 done, 2 usage or I/O error). */
export function runGenerate(o: GenCliOptions, io: CliIo = defaultIo): number {
  try {
    const r = generate(parseGenOptions(o));
    const flows = Object.entries(r.flowsStarted)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    io.stdout(
      `wrote ${r.packets} packets (${r.bytes} bytes) to ${r.path} in ${r.seconds.toFixed(2)} s; flows: ${flows}`,
    );
    return 0;
  } catch (e) {
    if (e instanceof GenOptionError || e instanceof CaptureError) {
      io.stderr(`tmesc gen: ${e.message}`);
      return 2;
    }
    throw e;
  }
}
