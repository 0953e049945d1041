/**
 * A reference model of a token-bucket shaper with a FIFO buffer, written the
 * other way round from src/runtime/actions/shaper.ts: tokens counted (not a
 * virtual time), in exact rational arithmetic (BigInt), one packet at a time
 * as a textbook shaper runs: a packet leaves when the packets before it have
 * left and the bucket holds min(its length, the burst); one that would wait
 * while the buffer cannot take its bytes is dropped. Times in ns, rounded up
 * to the tick; the bucket starts full at the first arrival.
 */
export interface Arrival {
  at: number;
  len: number;
}

export interface Setup {
  /** The rate as a fraction num/den bits per second. */
  num: number;
  den: number;
  burst: number;
  buffer: number;
  tick: number;
}

export const DROP = -1;

export function model(s: Setup, packets: readonly Arrival[]): number[] {
  // tokens in 1e-9/den bits: the rate adds num of them per ns
  const R = BigInt(s.num);
  const perByte = 8_000_000_000n * BigInt(s.den);
  const full = BigInt(s.burst) * perByte;
  const tick = s.tick;
  const q = (t: number) => Math.floor(t / tick) * tick;
  let tokens = full;
  let tLast: number | undefined;
  let lastDep = -Infinity;
  let clock = -Infinity;
  let queue: { dep: number; len: number }[] = [];
  const tokensAt = (t: number) => {
    const v = tokens + R * BigInt(t - tLast!);
    return v < full ? v : full;
  };
  return packets.map(({ at, len }) => {
    const a = q(at);
    tLast ??= a;
    clock = Math.max(clock, at);
    const now = q(clock);
    queue = queue.filter((x) => x.dep > clock);
    const start = Math.max(a, lastDep);
    const need = BigInt(Math.min(len, s.burst)) * perByte;
    const have = tokensAt(start);
    let dep = start;
    if (have < need) dep = start + Number((need - have + R - 1n) / R);
    dep = Math.ceil(dep / tick) * tick;
    const queued = queue.reduce((x, y) => x + y.len, 0);
    if (dep > now && queued + len > s.buffer) return DROP;
    tokens = tokensAt(dep) - BigInt(len) * perByte;
    tLast = dep;
    lastDep = dep;
    if (dep > now) queue.push({ dep, len });
    return dep;
  });
}
