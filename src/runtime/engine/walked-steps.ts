import type { Artifact, ArtifactGroup } from '../../artifact/types.js';
import { ETHERTYPE } from '../../fields/ethertype.js';
import { ABSENT, LINKTYPE } from '../../fields/fields.js';
import { groupSteps } from '../actions/chain.js';
import { stripConfig } from '../actions/strip.js';
import { PeeledTunnel } from '../actions/strip-tunnel.js';
import type { ActionCounters, ActionStep } from '../actions/action.js';
import type { PacketRecord } from '../capture/index.js';
import { NO_CUT } from '../capture/edited-records.js';
import { addComment, COMMENT_SEPARATOR } from '../capture/packet-comments.js';
import { vlanTags } from '../mark/vlan-tags.js';
import type { DropReason, GroupStats } from '../stats/stats.js';
import type { Walk } from '../walk/walk.js';
import type { LoopEdit } from './chunk-loop.js';

/** The part of a PacketOutput (pipeline.ts) the walked steps write through. */
export interface RecordOutput {
  /** Why write refuses packets, when not for their link type (a live output's full ring). */
  readonly refusedAs?: DropReason;
  /** The output has no place for a packet's comments (a pcap file): those the packets came with are counted lost. */
  readonly dropsComments?: boolean;
  /** Told when the packet just written came with comments it did not keep (dropsComments; SegmentOutput). */
  commentLost?(): void;
  /**
   * write() of a reader's record as it is but for its wire length and
   * comment (and the tags, the cut): the output may copy the record's own
   * bytes, in runs, where they are what it would write but for those
   * (ToolOutput). Outputs without it get write() or writeTagged().
   */
  writeRecord?(
    rec: PacketRecord,
    wireLen: number,
    tap: number,
    comment: string | undefined,
    /** Inserted after the frame's 12 address bytes (as writeTagged's). */
    tags?: Uint8Array,
    /** The frame's bytes kept, at most (truncate frame). */
    cut?: number,
    /** Bytes removed after the addresses, before the tags go in and the cut (strip's VLAN tags, MPLS labels). */
    drop?: number,
    /** The EtherType then written after the addresses and tags (0: the frame's): IPv4 or IPv6 for a stripped MPLS stack. */
    etherType?: number,
    /** Bytes before the addresses removed first (strip's tunnel carrying an Ethernet frame, which is then the frame). */
    lead?: number,
  ): boolean;
}

/** The least a frame must keep for the mark's tag to go in: addresses and type (as the mark step has it). */
const MARKABLE = 14;
/** An 802.1Q/802.1ad tag: TPID and TCI. */
const VLAN_TAG = 4;
/** An MPLS label stack entry. */
const MPLS_LABEL = 4;

/**
 * Whether the generated path can do the group's steps from the walk
 * (WalkedSteps): only strip, balance over one tool, truncate frame, the
 * tap's mark and shape (in that order, the last steps), and one tool.
 */
export function walkableGroup(g: ArtifactGroup): boolean {
  if (g.tools.length !== 1) return false;
  if (g.actions.truncate !== undefined && g.actions.truncate.what !== 'frame') return false;
  const steps = groupSteps(g);
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i];
    if (s === 'output' || s === 'balance' || s === 'strip' || s === 'truncate') continue;
    // shape last: a packet that leaves on arrival goes out as it is (ShapeStep.passes), any other through the chain
    const last = steps[i + 1] === 'output' && i + 2 === steps.length;
    if (s === 'shape' && last) continue;
    // mark last, or before a last shape: its tags go in as the output writes (mark.ts defers them when last; before
    // shape it inserts them into the replica, the same bytes, which shape counts)
    if (s === 'mark' && (last || (steps[i + 1] === 'shape' && steps[i + 2] === 'output' && i + 3 === steps.length)))
      continue;
    return false;
  }
  return true;
}

/**
 * A group's steps done on the generated path straight from the walk, for
 * the packets where they come to a known result without the decoder: an
 * Ethernet frame whose VLAN tags (if any), then perhaps an MPLS label stack
 * with IPv4 or IPv6 after it, are all that stands between its addresses
 * and IPv4, IPv6 or ARP, with no tunnel candidate, not a fragment, its
 * headers well formed. `strip` removes those tags when it lists vlan, the
 * stack (with the tags in front of it) when it lists mpls, writing the IP
 * packet's EtherType where the stack's was (else finds nothing to strip).
 * A frame carrying one tunnel strip lists (nothing after the carrier's IP
 * packet; PeeledTunnel) is, from the frame's view (made once, as the
 * classifier's): an IP packet carried (GRE, GTP-U, IP in IP) behind the
 * frame's addresses, the bytes between gone; an Ethernet frame carried
 * (VXLAN, GRE bridging) itself, the bytes before it gone, and its VLAN
 * tags if strip lists vlan. Then
 * `truncate frame N` keeps N bytes, the mark's tags go after the
 * addresses. The record is written as it lies in the read buffer, edited
 * as it is copied (ToolOutput.writeRecord), with the counters the chain's
 * steps count (strip's stripped and nothing-to-strip, truncate's cut and
 * short-enough, mark's marked and not-ethernet). Any other packet (PPPoE,
 * nested tunnels, a tunnel's Ethernet frame with other tags, a label stack kept behind tags kept, a pseudowire, another link
 * type) goes through the group's chain as before: deliver() returns false.
 */
export class WalkedSteps {
  private readonly strip: boolean;
  /** Whether strip removes VLAN tags. */
  private readonly stripVlan: boolean;
  /** Whether strip removes MPLS label stacks. */
  private readonly stripMpls: boolean;
  /** The tunnel kinds strip peels (StripConfig.tunnels). */
  private readonly tunnels: number;
  private readonly peeled = new PeeledTunnel();
  private readonly cut: number;
  private readonly stripCount: ActionCounters;
  private readonly cutCount: ActionCounters;
  private readonly markCount: ActionCounters;
  private readonly marks: number[];
  private readonly tags: (Uint8Array | undefined)[];
  private readonly comments: (string | undefined)[];

  constructor(
    a: Artifact,
    g: number,
    private readonly gs: GroupStats,
    private readonly out: RecordOutput,
    /** The pipeline's count of a link type the output refuses. */
    private readonly refuse: (linkType: number) => void,
    /** The group's shape step (its chain's), where it shapes: a packet that would wait goes through the chain. */
    private readonly shape?: ActionStep,
  ) {
    const gr = a.groups[g];
    this.strip = gr.actions.strip.length > 0;
    const sc = this.strip ? stripConfig(gr.actions.strip, gr.name) : undefined;
    this.stripVlan = sc !== undefined && sc.vlan;
    this.stripMpls = sc !== undefined && sc.mpls;
    this.tunnels = sc === undefined ? 0 : sc.tunnels;
    this.cut = gr.actions.truncate?.bytes ?? NO_CUT;
    // the chain's counters (absent ones as the steps have them: counted into nothing)
    this.stripCount = gs.actions.strip ?? {};
    this.cutCount = gs.actions.truncate ?? {};
    this.markCount = gs.actions.mark ?? {};
    this.marks = a.taps.map((t) => t.marks.length);
    this.tags = a.taps.map((t) => vlanTags(t.marks));
    // the tap's comment: once when mark is the last step (it defers, once a tap); before shape, mark adds it once a
    // `mark comment` of the tap (mark.ts)
    this.comments = a.taps.map((t) => {
      const n = t.marks.filter((m) => m.kind === 'comment').length;
      return n === 0
        ? undefined
        : new Array<string>(shape === undefined ? 1 : n).fill(`tap ${t.name}`).join(COMMENT_SEPARATOR);
    });
  }

  /**
   * The group's steps as the chunk loop does them for tap `tap`'s records
   * (chunk-loop.ts LoopEdit), with the counters deliver() counts; undefined
   * where the group shapes (a packet may wait: the chain's).
   */
  loopEdit(tap: number): LoopEdit | undefined {
    if (this.shape !== undefined) return undefined;
    const strip = this.strip ? { vlan: this.stripVlan, mpls: this.stripMpls } : undefined;
    const cut = this.cut;
    const marks = this.marks[tap] !== 0;
    const sc = this.stripCount;
    const cc = this.cutCount;
    const mc = this.markCount;
    return {
      tags: marks ? this.tags[tap] : undefined,
      cut,
      strip,
      // the loop takes only records its tags go into (or a tap that marks with a comment only): all marked
      counted: (records, stripped, cutRecords) => {
        if (strip !== undefined) {
          sc.stripped += stripped;
          sc['nothing-to-strip'] += records - stripped;
        }
        if (cut !== NO_CUT) {
          cc.cut += cutRecords;
          cc['short-enough'] += records - cutRecords;
        }
        if (marks) mc.marked += records;
      },
    };
  }

  /** Does the group's steps for the walked packet and writes it; false (nothing done) when the chain must. */
  deliver(w: Walk, rec: PacketRecord, tap: number): boolean {
    const out = this.out;
    if (out.writeRecord === undefined) return false;
    let drop = 0;
    let etherType = 0;
    let lead = 0;
    let wireLen = rec.wireLen;
    // strip's verdict, counted once the packet is sure to go this way (shape may send it through the chain)
    let stripped = false;
    if (this.strip) {
      const vlans = vlanTagsOnly(w);
      if (vlans < 0) {
        // a tunnel strip peels: its carried IP packet behind the addresses
        if (w.cand === 0 || this.tunnels === 0 || !this.peeledTunnel(w, rec)) return false;
        const p = this.peeled;
        lead = p.lead;
        drop = p.drop;
        etherType = p.etherType;
        wireLen = p.wireLen;
        stripped = true;
      } else if (w.mc !== 0 && this.stripMpls) {
        // the labels go after the tags, which must go too (else they would stay between the addresses and the labels)
        if (vlans > 0 && !this.stripVlan) return false;
        // as strip: the EtherType that introduced the stack now names the IP packet after it (the walk's, by its version)
        drop = vlans * VLAN_TAG + w.mc * MPLS_LABEL;
        etherType = w.et;
        wireLen -= drop;
        stripped = true;
      } else if (vlans > 0 && this.stripVlan) {
        // as strip: the frame without its tags, one shorter on the wire too (labels, when kept, stay behind them)
        drop = vlans * VLAN_TAG;
        wireLen -= drop;
        stripped = true;
      }
    }
    let len = rec.capLen - lead - drop;
    const cut = this.cut;
    const cutNow = cut !== NO_CUT && len > cut;
    if (cutNow) len = cut;
    let tags: Uint8Array | undefined;
    let comment = rec.comment;
    const marks = this.marks[tap] !== 0;
    if (marks) {
      comment = addComment(comment, this.comments[tap]);
      const t = this.tags[tap];
      if (t !== undefined && rec.linkType === LINKTYPE.ETHERNET && len >= MARKABLE) {
        tags = t;
        wireLen += t.length;
      }
    }
    // shape, last: the replica's length is the frame's after the steps, with the mark's tags
    if (
      this.shape !== undefined &&
      !this.shape.passes!(rec.tsSec, rec.tsNsec, tags === undefined ? len : len + tags.length)
    )
      return false;
    if (this.strip) {
      if (stripped) this.stripCount.stripped++;
      else this.stripCount['nothing-to-strip']++;
    }
    if (cut !== NO_CUT) {
      if (cutNow) this.cutCount.cut++;
      else this.cutCount['short-enough']++;
    }
    if (marks) {
      if (tags !== undefined || this.tags[tap] === undefined) this.markCount.marked++;
      else this.markCount['not-ethernet']++;
    }
    const gs = this.gs;
    if (out.writeRecord(rec, wireLen, tap, comment, tags, cut, drop, etherType, lead)) {
      gs.delivered++;
      const ts = gs.tools[0];
      ts.packets++;
      ts.bytes += tags === undefined ? len : len + tags.length;
      if (rec.comment !== undefined && out.dropsComments) {
        ts.commentsLost = (ts.commentsLost ?? 0) + 1;
        out.commentLost?.();
      }
    } else if (out.refusedAs) gs.dropped[out.refusedAs]++;
    else this.refuse(rec.linkType);
    return true;
  }

  /**
   * Whether strip peels the walked frame's one tunnel as an edit of its
   * record (PeeledTunnel, into `peeled`): an Ethernet frame, its own
   * headers well formed, with only VLAN tags strip removes before the
   * carrier's IPv4 or IPv6 header, not a fragment.
   */
  private peeledTunnel(w: Walk, rec: PacketRecord): boolean {
    if (w.lt !== LINKTYPE.ETHERNET || w.bad !== 0 || w.frag > 0 || w.ps !== ABSENT || w.mc !== 0) return false;
    if (w.et !== ETHERTYPE.IPV4 && w.et !== ETHERTYPE.IPV6) return false;
    if (w.vc !== 0 && !this.stripVlan) return false;
    return this.peeled.of(w.view(), w.frame(), this.tunnels, this.stripVlan, rec.capLen, rec.wireLen);
  }
}

/**
 * The VLAN tags of an Ethernet frame whose tags, then perhaps an MPLS label
 * stack (w.mc labels) with IPv4 or IPv6 after it, are all it has before
 * IPv4, IPv6 or ARP (no PPPoE, VN-Tag or E-Tag), with no tunnel candidate,
 * not a fragment (strip counts fragments of tunnel protocols apart), its
 * own headers well formed, by the walk; -1 for any other frame. After a
 * label stack the walk names the packet by its version nibble, as strip
 * does; anything else there (a pseudowire's control word) leaves w.et MPLS.
 */
function vlanTagsOnly(w: Walk): number {
  if (w.lt !== LINKTYPE.ETHERNET || w.cand !== 0 || w.bad !== 0 || w.frag > 0 || w.ps !== ABSENT) return -1;
  const t = w.et;
  return t === ETHERTYPE.IPV4 || t === ETHERTYPE.IPV6 || (t === ETHERTYPE.ARP && w.mc === 0) ? w.vc : -1;
}
