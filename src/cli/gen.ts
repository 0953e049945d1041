import { CaptureError } from '../runtime/capture/errors.js';
import { generate, type GenerateFileOptions } from '../gen/generate.js';
import { DEFAULT_ENCAP, DEFAULT_MIX, type EncapFractions, GenOptionError, type TrafficMix } from '../gen/options.js';
import { EXIT, type Io } from './io.js';

/**
 * `tmesc gen`'s options as commander hands them over (strings, or booleans
 * for flags). The flags themselves are declared in main.ts, which must not
 * load the generator: this module is imported only when `gen` runs.
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
  /** "tcp=0.5,dns=0.2,...": weights of the flow kinds to generate (kinds not named are not generated). */
  mix?: string;
  /** "vlan=0.1,qinq=0.02,mpls=0,gre=0.05,vxlan=0.05,gtpu=0.05" (encapsulations not named keep their defaults). */
  encap?: string;
  credentials?: string | number;
  startTime?: string | number;
  gapUs?: string | number;
}

/** The flow kinds and encapsulations `--mix` and `--encap` take (main.ts lists them in its help; a test holds the two equal). */
export const MIX_KINDS = Object.keys(DEFAULT_MIX) as (keyof TrafficMix)[];
export const ENCAP_KINDS = Object.keys(DEFAULT_ENCAP) as (keyof EncapFractions)[];

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
    if (k in out) throw new GenOptionError(`--${name}: ${k} is given twice`);
    out[k as K] = num(`${name} ${k}`, v);
  }
  return out;
}

/** Turns the command line's options into generate() options; throws GenOptionError on bad input. */
export function parseGenOptions(o: GenCliOptions): GenerateFileOptions {
  if (o.output === undefined || o.output === '') throw new GenOptionError('--output is required');
  let format = o.format;
  if (format === undefined) format = o.output.toLowerCase().endsWith('.pcapng') ? 'pcapng' : 'pcap';
  if (format !== 'pcap' && format !== 'pcapng')
    throw new GenOptionError(`--format must be pcap or pcapng, got "${format}"`);
  const mix = pairs('mix', o.mix, MIX_KINDS);
  if (mix && Object.keys(mix).length === 0) throw new GenOptionError('--mix names no flow kind');
  return {
    output: o.output,
    format,
    resolution: o.nanosecond ? 'ns' : 'us',
    packets: num('packets', o.packets) ?? 100_000,
    flows: num('flows', o.flows),
    seed: num('seed', o.seed),
    ipv6Fraction: num('ipv6', o.ipv6),
    mix,
    encap: pairs('encap', o.encap, ENCAP_KINDS),
    credentialFraction: num('credentials', o.credentials),
    startTime: num('start-time', o.startTime),
    meanGapUs: num('gap-us', o.gapUs),
  };
}

/** tmesc gen: the project's own traffic generator, for samples, tests and benchmarks. Exit 0 done, 2 usage or I/O error. */
export function genCommand(o: GenCliOptions, io: Io): number {
  try {
    const r = generate(parseGenOptions(o));
    const flows = Object.entries(r.flowsStarted)
      .filter(([, v]) => v > 0)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    io.out(
      `wrote ${r.packets} packets (${r.bytes} bytes) to ${r.path} in ${r.seconds.toFixed(2)} s; flows: ${flows || 'none'}\n`,
    );
    return EXIT.ok;
  } catch (e) {
    if (e instanceof GenOptionError || e instanceof CaptureError) {
      io.err(`tmesc gen: ${e.message}\n`);
      return EXIT.usage;
    }
    throw e;
  }
}
