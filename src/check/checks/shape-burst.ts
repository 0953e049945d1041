import type { GroupActions, Policy } from '../../policy/policy.js';
import { FULL_FRAME_BYTES } from '../../policy/shaping.js';
import { defineCheck } from '../context.js';

/** Bytes each timestamp method adds to a frame (runtime/actions/timestamp-*.ts). */
const STAMP_BYTES: Record<string, number> = {
  'ip-option': 12,
  'hop-by-hop': 24,
  'destination-option': 24,
  trailer: 9,
  skip: 0,
};

/**
 * A shaped group whose burst is smaller than the frames it sends: such a
 * frame never finds that many tokens in its tool's bucket, so it leaves
 * only on a full bucket, above the rate, or is dropped when it would wait.
 */
export const shapeBurst = defineCheck({
  name: 'shape-burst',
  codes: ['TMES0470'],
  run({ symbols, policy, bag }) {
    for (const decl of symbols.groups.values()) {
      const group = policy.groups.find((g) => g.name === decl.name.name);
      const burst = group?.actions.shape?.burstBytes;
      if (!group || burst === undefined) continue;
      const frame = largestFrame(policy, group.index, group.actions);
      if (burst >= frame.bytes) continue;
      const at = decl.actions.find((a) => a.kind === 'Shape');
      if (!at || at.kind !== 'Shape') continue;
      bag.add(
        'TMES0470',
        at.amount.span,
        `burst ${burst} B is smaller than a full-size frame of group '${group.name}' (${frame.bytes} B: ${frame.parts.join(', ')}): such frames leave only when the bucket is full, above the rate, or are dropped when they would wait; give a burst of at least ${frame.bytes} B`,
      );
    }
  },
});

/** The full-size frame a group sends, and what makes it up. */
export function largestFrame(policy: Policy, group: number, actions: GroupActions): { bytes: number; parts: string[] } {
  const parts: string[] = [];
  let bytes = FULL_FRAME_BYTES;
  if (actions.truncate?.what === 'frame' && actions.truncate.bytes < bytes) {
    bytes = actions.truncate.bytes;
    parts.push(`truncate frame ${bytes}`);
  } else parts.push(`${FULL_FRAME_BYTES} for 1500 bytes of IP on Ethernet with a VLAN tag`);
  let tags = 0;
  for (const r of policy.rules) {
    if (r.action !== 'to' || !r.groups.includes(group)) continue;
    const taps = r.taps === 'any' ? policy.taps : r.taps.map((t) => policy.taps[t]);
    for (const t of taps) tags = Math.max(tags, t.marks.filter((m) => m.kind === 'vlan').length);
  }
  if (tags) {
    bytes += 4 * tags;
    parts.push(`${4 * tags} for the taps' VLAN marks`);
  }
  const ts = actions.timestamp;
  if (ts) {
    const stamp = Math.max(STAMP_BYTES[ts.ipv4] ?? 0, STAMP_BYTES[ts.ipv6] ?? 0, STAMP_BYTES[ts.other] ?? 0);
    if (stamp) {
      bytes += stamp;
      parts.push(`${stamp} for the timestamp`);
    }
  }
  return { bytes, parts };
}
