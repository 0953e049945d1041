import { ETHERTYPE } from '../../fields/ethertype.js';
import { LINKTYPE } from '../../fields/fields.js';
import { addComment } from '../capture/packet-comments.js';
import { vlanTags } from '../mark/vlan-tags.js';
import { type ActionCounters, type ActionModule, Verdict } from './action.js';
import { copyBytes, type Replica } from './replica.js';

/** VLAN tag: TPID and TCI. */
const TAG = 4;
const MACS = 12;

/**
 * The tap's marks on a group's own replica (groups without a chain share
 * the pipeline's marked copy instead): an 802.1Q tag pushed after the MACs,
 * outermost, and the comment naming the tap. In STEP_ORDER this follows
 * strip, so `strip vlan` removes the tags a packet arrived with and keeps the
 * tap's, and a stripped packet, now on Ethernet, can carry the tag even when
 * it was captured on a link without one. Packets that still have no
 * Ethernet header go out unmarked and are counted.
 */
export const mark: ActionModule<{ comments: string[] }> = {
  name: 'mark',
  // counted only for taps that have marks
  reasons: ['marked', 'not-ethernet'],
  warnings: { 'not-ethernet': 'went out without their tap VLAN mark: no Ethernet header to put it in' },
  counted: (_g, a) => a.taps.some((t) => t.marks.length > 0),
  init: (_g, a) => ({ comments: a.taps.map((t) => `tap ${t.name}`) }),
  contextInit(config, ctx) {
    const taps = ctx.artifact.taps;
    const c = ctx.counters;
    // the last step: the output writes the tags into the record as it copies the frame, so no tagged copy is made
    const deferred = ctx.lastStep ? taps.map((t) => vlanTags(t.marks)) : undefined;
    const comments = taps.map((t, i) => (t.marks.some((m) => m.kind === 'comment') ? config.comments[i] : undefined));
    return {
      // deferred, the tags go in at the output: nothing here reads the frame (ActionChain makes no array of it)
      readsNoBytes: deferred !== undefined,
      apply(r: Replica): Verdict {
        const marks = taps[r.tap].marks;
        if (marks.length === 0) return Verdict.Pass;
        if (deferred !== undefined) return deferTags(r, deferred[r.tap], comments[r.tap], c);
        let tagged = true;
        for (let i = 0; i < marks.length; i++) {
          const m = marks[i];
          if (m.kind === 'comment') r.comment = addComment(r.comment, config.comments[r.tap]);
          else if (r.linkType === LINKTYPE.ETHERNET && r.length >= 14) pushTag(r, m.id, m.priority);
          else tagged = false;
        }
        if (tagged) c.marked++;
        else c['not-ethernet']++;
        return Verdict.Pass;
      },
    };
  },
};

/** mark's apply() when the output inserts the tags (Replica.tags): counts and results as pushTag's. */
function deferTags(r: Replica, tags: Uint8Array | undefined, comment: string | undefined, c: ActionCounters): Verdict {
  if (comment !== undefined) r.comment = addComment(r.comment, comment);
  if (tags === undefined) c.marked++;
  else if (r.linkType === LINKTYPE.ETHERNET && r.length >= 14) {
    r.tags = tags;
    r.wireLen += tags.length;
    c.marked++;
  } else c['not-ethernet']++;
  return Verdict.Pass;
}

function pushTag(r: Replica, id: number, priority: number): void {
  const n = r.length;
  const t = r.target(n + TAG);
  const d = r.data;
  copyBytes(t, 0, d, 0, MACS);
  t[12] = ETHERTYPE.VLAN >>> 8;
  t[13] = ETHERTYPE.VLAN & 0xff;
  const tci = ((priority & 7) << 13) | (id & 0xfff);
  t[14] = tci >>> 8;
  t[15] = tci & 0xff;
  copyBytes(t, MACS + TAG, d, MACS, n - MACS);
  r.wireLen += TAG;
  r.commit(n + TAG);
}
