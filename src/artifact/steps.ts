import type { GroupActions } from '../policy/policy.js';

/**
 * What happens to a group's replica, in order. The order is data: the
 * compiler writes each group's steps into the artifact and the runtime runs
 * them as listed, so a different order is a different artifact, not
 * different code. The runtime holds two fixed points: `dedup` first (the
 * same packet from two taps compares equal only before any group changes
 * it) and `output` last.
 *
 * - dedup: drop a replica the group already received
 * - strip: remove L2 shims and tunnels (the tool gets the inner packet on Ethernet)
 * - balance: choose the tool, by the session of the packet as strip left it
 *   and before truncation can cut its ports off
 * - mask, replace: rewrite payload content
 * - truncate: cut the packet (lengths in its headers unchanged)
 * - mark: the tap's VLAN tag and comment, after strip so a stripped tag is not the tap's
 * - timestamp: after truncate, so the stamp is never cut off
 * - shape: pace the replica to its tool's rate (needs the tool)
 * - output: write it
 */
export const STEP_ORDER = [
  'dedup',
  'strip',
  'balance',
  'mask',
  'replace',
  'truncate',
  'mark',
  'timestamp',
  'shape',
  'output',
] as const;

export type StepName = (typeof STEP_ORDER)[number];

/** Whether the group's actions ask for this step; mark (the taps'), balance and output always apply. */
export function groupUsesStep(step: StepName, a: GroupActions): boolean {
  switch (step) {
    case 'dedup':
      return a.dedup !== undefined;
    case 'strip':
      return a.strip.length > 0;
    case 'mask':
      return a.masks.length > 0;
    case 'replace':
      return a.replaces.length > 0;
    case 'truncate':
      return a.truncate !== undefined;
    case 'timestamp':
      return a.timestamp !== undefined;
    case 'shape':
      return a.shape !== undefined;
    case 'balance':
    case 'mark':
    case 'output':
      return true;
  }
}

/** The steps of a group, in STEP_ORDER: what the compiler writes into the artifact. */
export function stepsOf(a: GroupActions): StepName[] {
  return STEP_ORDER.filter((s) => groupUsesStep(s, a));
}
