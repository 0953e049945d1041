import { FLOW_KINDS, startFlow } from './flows/start.js';
import type { Flow, FlowContext, FlowKind } from './flows/flow.js';
import { Frame } from './frame.js';
import { textPool } from './payload/body.js';
import { type GenerateOptions, resolveOptions, type ResolvedOptions } from './options.js';
import { Prng } from './prng.js';

const POOL_SIZE = 1 << 20;
const TEXT_POOL_SIZE = 1 << 16;

/** The generator's one reused output record; `data` is valid until the next call. */
export interface GeneratedPacket {
  data: Uint8Array;
  tsSec: number;
  tsNsec: number;
}

export type FlowCounts = Record<FlowKind, number>;

/**
 * Deterministic packet source: a pool of concurrently active flows, one
 * chosen at random per packet, each replaced by a fresh flow when it ends.
 * Everything random comes from one seeded PRNG, consumed in a fixed order.
 */
export class PacketGenerator implements FlowContext {
  readonly options: ResolvedOptions;
  readonly rng: Prng;
  readonly frame = new Frame();
  readonly pool = new Uint8Array(POOL_SIZE);
  readonly textPool: Uint8Array;
  readonly wordPool: Uint8Array;
  /** Flows started so far, by kind. */
  readonly flowsStarted: FlowCounts = { tcp: 0, dns: 0, udp: 0, icmp: 0, arp: 0, multicast: 0, broadcast: 0 };
  produced = 0;
  private readonly active: Flow[] = [];
  private readonly cumulative: number[] = [];
  private sec: number;
  private nsec = 0;
  private readonly out: GeneratedPacket = { data: new Uint8Array(0), tsSec: 0, tsNsec: 0 };

  constructor(options: GenerateOptions) {
    this.options = resolveOptions(options);
    this.rng = new Prng(this.options.seed);
    this.rng.fill(this.pool);
    this.textPool = textPool(this.rng, TEXT_POOL_SIZE, true);
    this.wordPool = textPool(this.rng, TEXT_POOL_SIZE, false);
    this.sec = this.options.startTime;
    let total = 0;
    const mix = this.options.mix;
    for (const k of FLOW_KINDS) this.cumulative.push((total += mix[k]));
    for (let i = 0; i < this.options.flows; i++) this.active.push(this.newFlow());
  }

  get nowSec(): number {
    return this.sec;
  }

  private newFlow(): Flow {
    const x = this.rng.float() * this.cumulative[this.cumulative.length - 1];
    let i = 0;
    while (i < this.cumulative.length - 1 && x >= this.cumulative[i]) i++;
    const kind = FLOW_KINDS[i];
    this.flowsStarted[kind]++;
    return startFlow(kind, this);
  }

  /** The next packet, or null once `options.packets` were produced. */
  next(): GeneratedPacket | null {
    if (this.produced >= this.options.packets) return null;
    this.advanceClock();
    const slot = this.rng.int(this.active.length);
    const flow = this.active[slot];
    const f = this.frame;
    f.reset();
    flow.step(this);
    if (flow.done) this.active[slot] = this.newFlow();
    this.produced++;
    const out = this.out;
    out.data = f.view();
    out.tsSec = this.sec;
    out.tsNsec = this.nsec;
    return out;
  }

  private advanceClock(): void {
    this.nsec += Math.round(this.rng.exp(this.options.meanGapUs * 1000));
    if (this.nsec >= 1e9) {
      const carry = Math.floor(this.nsec / 1e9);
      this.sec += carry;
      this.nsec -= carry * 1e9;
    }
  }
}
