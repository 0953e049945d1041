import { combinei, hashString } from './hash.js';

/**
 * Weighted rendezvous (highest random weight) hashing: each tool scores every
 * session as weight / -ln(u), u uniform from (session, tool); the top score
 * wins. Shares follow the weights, and adding or removing a tool moves only
 * the sessions that tool wins or held: no other session changes tool.
 */
export class Rendezvous {
  private readonly seeds: Int32Array;
  private readonly weights: Float64Array;

  constructor(tools: readonly { name: string; weight: number }[]) {
    this.seeds = Int32Array.from(tools.map((t) => hashString(t.name)));
    this.weights = Float64Array.from(tools.map((t) => t.weight));
  }

  pick(session: number): number {
    return this.pickAmong(session, undefined);
  }

  /**
   * The top score among the tools `up` accepts (all when undefined), or -1
   * when it accepts none. A tool that goes down loses exactly the sessions
   * it held, each to its second choice, and wins them back when it returns.
   */
  pickAmong(session: number, up: ((tool: number) => boolean) | undefined): number {
    const n = this.seeds.length;
    if (n === 1) return up === undefined || up(0) ? 0 : -1;
    let best = -1;
    let bestScore = -1;
    for (let i = 0; i < n; i++) {
      if (up !== undefined && !up(i)) continue;
      // u in (0, 1): never 0, so the logarithm is finite
      const u = ((combinei(session, this.seeds[i]) >>> 0) + 0.5) / 4294967296;
      const score = this.weights[i] / -Math.log(u);
      if (score > bestScore) {
        bestScore = score;
        best = i;
      }
    }
    return best;
  }
}

/** Tool weights from rates: tools without a rate get the average of the others (or 1 when none has one). */
export function weightsOf(rates: readonly (number | undefined)[]): number[] {
  const known = rates.filter((r): r is number => r !== undefined);
  const avg = known.length ? known.reduce((a, b) => a + b, 0) / known.length : 1;
  return rates.map((r) => r ?? avg);
}
