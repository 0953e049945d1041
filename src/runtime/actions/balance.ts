import type { ArtifactGroup } from '../../artifact/types.js';
import { Rendezvous, weightsOf } from '../balance/rendezvous.js';
import { sessionHash32 } from '../balance/session-hash.js';
import { type ActionModule, Verdict } from './action.js';
import type { Replica } from './replica.js';

interface BalanceConfig {
  tools: { name: string; weight: number }[];
  inner: boolean;
}

/**
 * balance session: chooses the tool by the session of the replica as it is
 * at this step, which in STEP_ORDER is after strip: a group that strips a
 * tunnel balances the sessions its tools receive (both directions of a
 * VXLAN-carried flow reach one tool even though the two directions' outer
 * UDP source ports differ), and `inner` still looks into tunnels left in
 * place. Same rendezvous hashing and weights as the pipeline's own path.
 */
export const balance: ActionModule<BalanceConfig> = {
  name: 'balance',
  reasons: [],
  init(g: ArtifactGroup): BalanceConfig {
    const weights = weightsOf(g.tools.map((t) => t.rateBps));
    return { tools: g.tools.map((t, i) => ({ name: t.name, weight: weights[i] })), inner: g.balance.inner };
  },
  contextInit(config) {
    if (config.tools.length <= 1) return { apply: () => Verdict.Pass };
    const r = new Rendezvous(config.tools);
    const inner = config.inner;
    return {
      apply(rep: Replica): Verdict {
        const h = sessionHash32(rep.view(), inner);
        rep.session = h;
        rep.tool = r.pick(h);
        return Verdict.Pass;
      },
    };
  },
};
