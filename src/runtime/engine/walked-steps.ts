import type { Artifact, ArtifactGroup } from '../../artifact/types.js';
import { ETHERTYPE } from '../../fields/ethertype.js';
import { ABSENT, LINKTYPE } from '../../fields/fields.js';
import { IPPROTO } from '../../fields/ip-proto.js';
import { groupSteps } from '../actions/chain.js';
import { stripConfig } from '../actions/strip.js';
import { PeeledTunnel } from '../actions/strip-tunnel.js';
import { Replica, Scratch } from '../actions/replica.js';
import type { TimestampConfig } from '../actions/timestamp.js';
import { stampIpv4 } from '../actions/timestamp-ipv4.js';
import { appendTrailerAt } from '../actions/timestamp-trailer.js';
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
  /** A frame's bytes as they go out (PacketOutput.write): the stamped packets of a timestamp group. */
  write?(
    data: Uint8Array,
    tsSec: number,
    tsNsec: number,
    wireLen: number,
    linkType: number,
    tap: number,
    comment: string | undefined,
  ): boolean;
  /** write() with `tags` inserted after the frame's 12 address bytes (PacketOutput.writeTagged). */
  writeTagged?(
    data: Uint8Array,
    tags: Uint8Array,
    tsSec: number,
    tsNsec: number,
    wireLen: number,
    linkType: number,
    tap: number,
    comment: string | undefined,
  ): boolean;
  /** writeTagged leaves the tags out (PacketOutput.dropsTags). */
  readonly dropsTags?: boolean;
}

/** The least a frame must keep for the mark's tag to go in: addresses and type (as the mark step has it). */
const MARKABLE = 14;
/** An 802.1Q/802.1ad tag: TPID and TCI. */
const VLAN_TAG = 4;
/** An MPLS label stack entry. */
const MPLS_LABEL = 4;
/** The UDP header, after which its payload starts. */
const UDP_HEADER = 8;
/** VLAN tags the decoder reads at most (more is malformed, and the IP header behind them not found). */
const MAX_VLAN_TAGS = 15;
/** IPv6's fixed header, which its payload length does not count. */
const IPV6_HEADER = 40;

/**
 * Whether the generated path can do the group's steps from the walk
 * (WalkedSteps): only strip, balance over one tool, truncate (payload only
 * without strip), the
 * tap's mark and shape (in that order, the last steps), and one tool; or
 * balance over one tool, the tap's mark and timestamp (last), nothing else.
 */
export function walkableGroup(g: ArtifactGroup): boolean {
  if (g.tools.length !== 1) return false;
  const steps = groupSteps(g);
  // truncate payload: the cut is after the walk's transport header, in the frame as captured (strip would move it)
  if (g.actions.truncate !== undefined && g.actions.truncate.what !== 'frame' && steps.includes('strip')) return false;
  // timestamp stamps the frame as it is: not after steps that change its length or hold it (their offsets and counts)
  const stamps = steps.includes('timestamp');
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i];
    if (s === 'output' || s === 'balance') continue;
    if (s === 'strip' || s === 'truncate') {
      if (stamps) return false;
      continue;
    }
    // shape last: a packet that leaves on arrival goes out as it is (ShapeStep.passes), any other through the chain
    const last = steps[i + 1] === 'output' && i + 2 === steps.length;
    if (s === 'shape' && last && !stamps) continue;
    if (s === 'timestamp' && last) continue;
    // mark before a last timestamp: it pushes its tags into the replica, which the output can insert as it writes
    if (s === 'mark' && steps[i + 1] === 'timestamp' && steps[i + 2] === 'output' && i + 3 === steps.length) continue;
    // mark last, or before a last shape: its tags go in as the output writes (mark.ts defers them when last; before
    // shape it inserts them into the replica, the same bytes, which shape counts)
    if (s === 'mark' && (last || (steps[i + 1] === 'shape' && steps[i + 2] === 'output' && i + 3 === steps.length)))
      continue;
    return false;
  }
  return true;
}

/**
 * Whether the group's chain reads no decode of a plain packet on the
 * generated path, though the chain does its steps (not WalkedSteps: mask
 * holds packets and writes changed bytes, which the chain's replica and
 * resume are for): mask first, which takes a plain TCP segment's session
 * from the walk's offsets (Replica.walked, tcp-stream findWalked) and
 * decodes only a packet it writes into; then only steps that read no
 * decode (the tap's mark, shape, truncate frame), over one tool (balance
 * over several reads the view). A step before mask that changes the bytes
 * (strip) would leave mask the decoder's view of every packet. Such a
 * group keeps a policy on the generated path (usePacketPath); its other
 * packets (tunnels, fragments, malformed headers, UDP) get the view as before.
 */
export function walkFedGroup(g: ArtifactGroup): boolean {
  if (g.tools.length !== 1) return false;
  const steps = groupSteps(g).filter((s) => s !== 'output' && s !== 'balance');
  if (steps[0] !== 'mask') return false;
  for (let i = 1; i < steps.length; i++) {
    const s = steps[i];
    if (s === 'mark' || s === 'shape') continue;
    if (s === 'truncate' && g.actions.truncate?.what === 'frame') continue;
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
 * `truncate frame N` keeps N bytes (`truncate payload N`, in a group
 * without strip: N bytes after a TCP or UDP header the walk found whole,
 * outside tunnels and later fragments), the mark's tags go after the
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
  /** truncate frame's cut (NO_CUT when the group does not cut frames). */
  private readonly cut: number;
  /** truncate payload's bytes kept after the transport header (-1 when the group does not cut payloads). */
  private readonly cutPayload: number;
  private readonly stripCount: ActionCounters;
  private readonly cutCount: ActionCounters;
  private readonly markCount: ActionCounters;
  private readonly marks: number[];
  private readonly tags: (Uint8Array | undefined)[];
  private readonly comments: (string | undefined)[];
  /** The group's timestamp step's configuration, where it stamps (then no strip, truncate or shape). */
  private readonly stamp: TimestampConfig | undefined;
  private readonly stampCount: ActionCounters;
  /** The stamped packet (stampIpv4 and appendTrailerAt write through a replica). */
  private readonly replica: Replica | undefined;

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
    const tr = gr.actions.truncate;
    this.cut = tr !== undefined && tr.what === 'frame' ? tr.bytes : NO_CUT;
    this.cutPayload = tr !== undefined && tr.what === 'payload' ? tr.bytes : -1;
    // the chain's counters (absent ones as the steps have them: counted into nothing)
    this.stripCount = gs.actions.strip ?? {};
    this.cutCount = gs.actions.truncate ?? {};
    this.markCount = gs.actions.mark ?? {};
    this.stamp = gr.actions.timestamp;
    this.stampCount = gs.actions.timestamp ?? {};
    this.replica = this.stamp === undefined ? undefined : new Replica(new Scratch());
    this.marks = a.taps.map((t) => t.marks.length);
    this.tags = a.taps.map((t) => vlanTags(t.marks));
    // the tap's comment: once when mark is the last step (it defers, once a tap); before shape or timestamp, mark adds
    // it once a `mark comment` of the tap (mark.ts)
    const steps = groupSteps(gr);
    const markLast = steps[steps.indexOf('mark') + 1] === 'output';
    this.comments = a.taps.map((t) => {
      const n = t.marks.filter((m) => m.kind === 'comment').length;
      return n === 0 ? undefined : new Array<string>(markLast ? 1 : n).fill(`tap ${t.name}`).join(COMMENT_SEPARATOR);
    });
  }

  /**
   * The group's steps as the chunk loop does them for tap `tap`'s records
   * (chunk-loop.ts LoopEdit), with the counters deliver() counts; undefined
   * where the group shapes (a packet may wait: the chain's), stamps or cuts
   * after the transport header (the loop's edits are tags, a frame cut and
   * strip's tags, labels and the tunnels it peels from the walk only: such a
   * group's records go record by record).
   */
  loopEdit(tap: number): LoopEdit | undefined {
    if (this.shape !== undefined || this.stamp !== undefined || this.cutPayload >= 0) return undefined;
    const strip = this.strip ? { vlan: this.stripVlan, mpls: this.stripMpls, tunnels: this.tunnels } : undefined;
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
    if (this.stamp !== undefined) return this.deliverStamped(w, rec, tap, this.stamp);
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
    let cut = this.cut;
    if (this.cutPayload >= 0) {
      const start = payloadStart(w);
      if (start < 0) return false;
      cut = start + this.cutPayload;
    }
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
   * deliver() of a timestamp group (balance over one tool, the tap's mark,
   * timestamp): an IP packet (not in PPPoE, whose length would grow too)
   * whose stamp the walk's offsets place, the IPv4 option (stampIpv4) or
   * the trailer (appendTrailerAt, the packet's end from its IP length),
   * or none (skip), as the chain's timestamp does on the marked replica.
   * The stamp goes into the frame as captured and the mark's tags are
   * inserted as the output writes it (writeTagged): the same bytes as the
   * chain's, whose mark pushes the tags first (the IP header and the
   * packet's end move by the tags' length, and the stamp with them). IPv6
   * options, other packets, and outputs without writeTagged (or dropping
   * tags) go through the chain: false.
   */
  private deliverStamped(w: Walk, rec: PacketRecord, tap: number, cfg: TimestampConfig): boolean {
    const out = this.out;
    if (out.write === undefined || w.ipv === 0 || w.ps !== ABSENT) return false;
    const method = w.ipv === 4 ? cfg.ipv4 : cfg.ipv6;
    if (method !== 'ip-option' && method !== 'trailer' && method !== 'skip') return false;
    let tags: Uint8Array | undefined;
    let comment = rec.comment;
    const marks = this.marks[tap] !== 0;
    if (marks) {
      comment = addComment(comment, this.comments[tap]);
      const t = this.tags[tap];
      if (t !== undefined && rec.linkType === LINKTYPE.ETHERNET && rec.capLen >= MARKABLE) {
        // the chain's timestamp reads the tagged frame's decode: too many tags hide its IP header
        if (out.writeTagged === undefined || out.dropsTags || w.vc + t.length / VLAN_TAG > MAX_VLAN_TAGS) return false;
        tags = t;
      }
    }
    const r = this.replica!;
    r.startWalked(rec, w.frame(), tap);
    const ip = w.ip - w.o;
    const c = this.stampCount;
    if (method === 'skip') c.skipped++;
    else if (method === 'ip-option') c[stampIpv4(r, ip, -1)]++;
    else if (r.linkType !== LINKTYPE.ETHERNET) c['not-ethernet']++;
    else {
      // appendTrailer's packetEnd: by the IP length where there is one (an IPv4 length of 0 says nothing)
      const d = r.data;
      const total = w.ipv === 4 ? (d[ip + 2] << 8) | d[ip + 3] : IPV6_HEADER + ((d[ip + 4] << 8) | d[ip + 5]);
      const n = r.length;
      c[appendTrailerAt(r, r.wireLen > n ? n : total > 0 && ip + total < n ? ip + total : n)]++;
    }
    if (marks) {
      if (tags !== undefined || this.tags[tap] === undefined) this.markCount.marked++;
      else this.markCount['not-ethernet']++;
    }
    const frame = r.frame();
    const gs = this.gs;
    if (
      tags === undefined
        ? out.write(frame, rec.tsSec, rec.tsNsec, r.wireLen, rec.linkType, tap, comment)
        : out.writeTagged!(frame, tags, rec.tsSec, rec.tsNsec, r.wireLen + tags.length, rec.linkType, tap, comment)
    ) {
      gs.delivered++;
      const ts = gs.tools[0];
      ts.packets++;
      ts.bytes += tags === undefined ? frame.length : frame.length + tags.length;
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
    const p = this.peeled;
    // from the walk where it knows (the plain GRE, IP-in-IP and UDP tunnels); else from the frame's view
    if (p.ofWalk(w, this.tunnels, this.stripVlan, rec.capLen, rec.wireLen)) return true;
    return p.of(w.view(), w.frame(), this.tunnels, this.stripVlan, rec.capLen, rec.wireLen);
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

/**
 * truncate payload's payloadStart() from the walk, for the packets where
 * the walk knows it (the frame's own headers well formed, no tunnel
 * candidate, not a later fragment): where a TCP or UDP payload starts, as
 * an offset in the frame; -1 for any other packet (the chain's truncate
 * decides from the view).
 */
function payloadStart(w: Walk): number {
  if (w.bad !== 0 || w.cand !== 0 || w.ipv === 0 || w.frag === 2 || w.l4 === ABSENT) return -1;
  const p = w.l4;
  if (w.proto === IPPROTO.TCP) return p - w.o + ((w.d[p + 12] >> 4) << 2);
  if (w.proto === IPPROTO.UDP) return p - w.o + UDP_HEADER;
  return -1;
}
