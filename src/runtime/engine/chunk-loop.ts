import type { ChunkLoop, PcapRecordFormat } from '../capture/chunk-loop.js';
import { type CopyRuns, PCAP_RECORD_HEADER, RECORD_LAYOUT } from '../capture/record.js';
import { BALANCED, EDIT, EDITED_RUN_MAX, NO_EDIT_CUT, RO_GENERAL, RO_NONE } from '../../codegen/chunk-loop.js';
import { LINKTYPE } from '../../fields/fields.js';
import { NO_CUT } from '../capture/edited-records.js';
import { PeeledTunnel } from '../actions/strip-tunnel.js';
import { Walk } from '../walk/walk.js';
import { ETHERTYPE } from '../../fields/ethertype.js';
import type { ChunkFn } from '../classify/packet-path.js';
import type { ClassResult } from '../classify/combine.js';
import type { RuleCounter } from '../classify/rule-counter.js';
import type { RunStats } from '../stats/stats.js';

/** The least a frame keeps for tags to go in after its addresses (as the mark step has it). */
const MARKABLE = 14;
/** The Ethernet header a carried IP packet goes behind (PeeledTunnel). */
const ETHER_HEADER = 14;
/** The most a tunnel's carried packet may lie into its frame for the loop (its offset in 15 bits of peel()'s verdict). */
const PEEL_OFFSET_MAX = 0x7fff;

/** An output that takes runs of a reader's records as they are (RunTaker). */
export interface RunTaker {
  takesRuns(tap: number, linkType: number, layout: number): boolean;
  takeRun(bytes: Uint8Array, start: number, end: number, records: number, from: CopyRuns): void;
  /**
   * takeRun() of `records` records edited as they are copied
   * (putEditedRecords): record i's header `offsets[i]` bytes from `start`
   * (the bytes between are other records, left out), `drops[i]` bytes
   * dropped after its addresses (dropAndType), `tags` inserted there, its
   * bytes cut to `cut`; with `leads`, record i's frame starts leads[i] bytes
   * into its data (strip's tunnel carrying an Ethernet frame: the bytes
   * before it go). Outputs without it get no edited records from the loop.
   */
  takeEditedRun?(
    bytes: Uint8Array,
    start: number,
    end: number,
    records: number,
    tags: Uint8Array | undefined,
    cut: number,
    offsets: Int32Array,
    drops: Int32Array,
    leads?: Int32Array,
  ): void;
  /** Packets and bytes (headers off) written so far, takeRun's runs included: the loop's counts are their growth in a call. */
  readonly packets: number;
  readonly bytes: number;
}

/**
 * What a group's steps do to the records the loop takes for it (its one
 * output edits them as it copies them): the tap's tags after the
 * addresses, a cut (truncate frame), and strip's VLAN tags and MPLS label
 * stacks removed and its tunnels peeled, decided from the walk per record
 * (walked-steps.ts has the same steps for the per-record path). Records the
 * walk cannot decide for (a tunnel PeeledTunnel.ofWalk does not know,
 * PPPoE, a frame too short for the tags) go the per-record way.
 */
export interface LoopEdit {
  readonly tags: Uint8Array | undefined;
  /** The frame's bytes kept, at most (NO_CUT: all); with tags at least the 14 they go after. */
  readonly cut: number;
  /** What strip removes, when the group strips. */
  readonly strip?: {
    readonly vlan: boolean;
    readonly mpls: boolean;
    /** The TUNNEL kinds it peels, a bit each (StripConfig.tunnels). */
    readonly tunnels: number;
  };
  /** The steps' counters: `records` written, `stripped` of them stripped, `cut` of them cut. */
  counted(records: number, stripped: number, cut: number): void;
}

/** What the generated chunk loop needs of the pipeline, decided once (Pipeline.chunkLoop). */
export interface ChunkLoopParts {
  readonly chunk: ChunkFn;
  readonly tap: number;
  readonly format: PcapRecordFormat;
  /** The classifier's results (they grow as the combiner meets new leaf combinations). */
  readonly results: readonly ClassResult[];
  /** Per result, whether the per-record path must take its packets (rule counting that reads the packet). */
  readonly perRecord: (result: number) => boolean;
  /** Per group, its tools' outputs, or undefined where the loop does not deliver. */
  readonly outputs: readonly (readonly RunTaker[] | undefined)[];
  /** Per group, what its steps do to its records (undefined: nothing); the group has one output, a RunTaker. */
  readonly edits?: readonly (LoopEdit | undefined)[];
  /** For a balanced group g (several tools), the tool the packet just walked goes to (its session's). */
  readonly pickTool: (group: number) => number;
  readonly stats: RunStats;
  readonly ruleCounter: RuleCounter | undefined;
  /** Called with the records taken and how many of them needed the decoder's view; false: stop taking any. */
  readonly taken: (records: number, viewed: number) => void;
  /** The most records to take now (auto's window); 0: none. */
  readonly allowed: () => number;
}

/**
 * The generated packet path over a pcap read chunk: the state the generated
 * loop (codegen/chunk-loop.ts) counts into, and its counters turned into the
 * run's statistics each time the loop returns (so they are whole whenever a
 * record goes the per-record way).
 */
export class PacketChunkLoop implements ChunkLoop {
  handled = 0;
  viewed = 0;
  // the generated loop's context (its layout: codegen/chunk-loop.ts)
  readonly le: boolean;
  readonly fracLimit: number;
  readonly toNs: number;
  readonly capMax: number;
  readonly linkType: number;
  readonly tap: number;
  rx = new Uint8Array(0);
  /** Per result r: rr[2r] its one ready output or RO_NONE / RO_GENERAL, rr[2r + 1] the records the loop took. */
  rr = new Int32Array(0);
  rs = new Int32Array(1);
  rg = new Int32Array(0);
  readonly out: Int32Array;
  readonly sel: Int32Array;
  readonly pick: (group: number) => number;
  readonly ok: Uint8Array;
  readonly n = new Float64Array(3);
  /** Per output, its packets and bytes before the loop's call: what it took in the call is its growth since. */
  private readonly op: Float64Array;
  private readonly ob: Float64Array;
  /** Per output t, its open run: ru[4t] start, ru[4t + 1] end (-1: none), ru[4t + 2] records. */
  readonly ru: Int32Array;
  readonly take: (out: number, d: Uint8Array, start: number, end: number, records: number) => void;
  /** Per output, 0 or EDIT flags; its tags' length, its cut (NO_EDIT_CUT: none). */
  readonly ek: Int32Array;
  readonly ekt: Int32Array;
  readonly ekc: Int32Array;
  /** 1 when some output is edited: the walk works out strip's verdict. */
  readonly ed: number;
  /** Per edited output t, its open run's records: header offsets at eo[3Et + i], drops at eo[3Et + E + i], leads at eo[3Et + 2E + i]. */
  readonly eo: Int32Array;
  /** Per edited output t, in the call: records stripped ea[2t], cut ea[2t + 1]. */
  readonly ea: Int32Array;
  /** Scratch: the drop and the lead of each of a record's groups' outputs. */
  readonly sdr: Int32Array;
  readonly sld: Int32Array;
  /** Per output, the TUNNEL kinds its group's strip peels (a bit each); `etn` all of them. */
  readonly etk: Int32Array;
  readonly etn: number;
  /** takeEditedRun() of output `out`'s open run; `leads` 1 when some record of it has a lead. */
  readonly takeEdited: (out: number, d: Uint8Array, start: number, end: number, records: number, leads: number) => void;
  /** The walk's offsets handed to PeeledTunnel.ofWalk (peel()). */
  private readonly pw = new Walk();
  private readonly peeled = new PeeledTunnel();
  private readonly editOf: (LoopEdit | undefined)[];
  private readonly outs: RunTaker[];
  private readonly groupOf: Int32Array;
  private readonly toolOf: Int32Array;
  private readonly runs: CopyRuns;

  constructor(private readonly parts: ChunkLoopParts) {
    const f = parts.format;
    this.le = f.littleEndian;
    this.fracLimit = f.nanosecond ? 1e9 : 1e6;
    this.toNs = f.nanosecond ? 1 : 1000;
    this.capMax = f.capMax;
    this.linkType = f.linkType;
    this.tap = parts.tap;
    this.runs = f.runs!;
    const outs: RunTaker[] = [];
    const groupOf: number[] = [];
    const toolOf: number[] = [];
    /** Per group, where its tools' outputs start in `outs`. */
    const first = new Int32Array(parts.outputs.length);
    const editOf: (LoopEdit | undefined)[] = [];
    this.out = Int32Array.from(parts.outputs, (tools, g) => {
      if (tools === undefined || tools.length === 0) return -1;
      const edit = parts.edits?.[g];
      if (edit !== undefined) {
        // edited records: one output that edits runs, Ethernet frames (tags and strip go after the addresses)
        if (tools.length !== 1 || tools[0].takeEditedRun === undefined || f.linkType !== LINKTYPE.ETHERNET) return -1;
        if (edit.tags !== undefined && edit.cut < MARKABLE) return -1;
      }
      first[g] = outs.length;
      tools.forEach((o, t) => {
        outs.push(o);
        groupOf.push(g);
        toolOf.push(t);
        editOf.push(edit);
      });
      return tools.length === 1 ? first[g] : BALANCED;
    });
    this.outs = outs;
    this.groupOf = Int32Array.from(groupOf);
    this.toolOf = Int32Array.from(toolOf);
    this.sel = new Int32Array(parts.outputs.length);
    this.pick = (g) => first[g] + parts.pickTool(g);
    const k = outs.length;
    this.ok = new Uint8Array(k);
    this.op = new Float64Array(k);
    this.ob = new Float64Array(k);
    this.ru = new Int32Array(4 * k);
    for (let t = 0; t < k; t++) this.ru[4 * t + 1] = -1;
    const runs = this.runs;
    this.take = (t, d, start, end, records) => outs[t].takeRun(d, start, end, records, runs);
    this.editOf = editOf;
    this.ek = new Int32Array(k);
    this.ekt = new Int32Array(k);
    this.ekc = new Int32Array(k);
    const E = EDITED_RUN_MAX;
    this.eo = new Int32Array(editOf.some((e) => e !== undefined) ? 3 * E * k : 0);
    this.ea = new Int32Array(2 * k);
    this.sdr = new Int32Array(parts.outputs.length);
    this.sld = new Int32Array(parts.outputs.length);
    this.etk = new Int32Array(k);
    let etn = 0;
    const offsets: Int32Array[] = [];
    const drops: Int32Array[] = [];
    const leads: Int32Array[] = [];
    for (let t = 0; t < k; t++) {
      const e = editOf[t];
      if (e === undefined) continue;
      this.ek[t] =
        EDIT.EDITED |
        (e.strip === undefined
          ? 0
          : EDIT.STRIP | (e.strip.vlan ? EDIT.STRIP_VLAN : 0) | (e.strip.mpls ? EDIT.STRIP_MPLS : 0));
      this.ekt[t] = e.tags === undefined ? 0 : e.tags.length;
      this.ekc[t] = e.cut === NO_CUT || e.cut >= NO_EDIT_CUT ? NO_EDIT_CUT : e.cut;
      this.etk[t] = e.strip === undefined ? 0 : e.strip.tunnels;
      etn |= this.etk[t];
      offsets[t] = this.eo.subarray(3 * E * t, 3 * E * t + E);
      drops[t] = this.eo.subarray(3 * E * t + E, 3 * E * t + 2 * E);
      leads[t] = this.eo.subarray(3 * E * t + 2 * E, 3 * E * (t + 1));
    }
    this.etn = etn;
    this.ed = editOf.some((e) => e !== undefined) ? 1 : 0;
    const ekc = this.ekc;
    this.takeEdited = (t, d, start, end, records, led) =>
      outs[t].takeEditedRun!(
        d,
        start,
        end,
        records,
        editOf[t]!.tags,
        ekc[t],
        offsets[t],
        drops[t],
        led !== 0 ? leads[t] : undefined,
      );
  }

  /**
   * Strip's peel of the one tunnel of an Ethernet frame the generated loop
   * walked (a tunnel candidate with only VLAN tags before its IPv4 or IPv6
   * carrier, well formed, not a fragment: the walk's locals `ip`, `ipv`,
   * `proto`, `l4`, `l4end`, `vc`), for the loop's edited runs: what
   * PeeledTunnel.ofWalk says for any output's strip (the tunnel kinds of
   * `etn`; the VLAN tags of an Ethernet frame carried as if strip removed
   * them), packed as 0 (not known here, or a wire length the copied record
   * would not carry: the per-record path then decides) or the tunnel kind
   * (bits 0-3), the carried packet (bits 4-5: 0 an Ethernet frame, 1 IPv4,
   * 2 IPv6), outer VLAN tags (bit 6), an Ethernet frame's own VLAN tags'
   * bytes (bits 8-15), and the carried packet's offset in the frame (bits
   * 16-30). The loop decides per output from it (codegen/chunk-loop.ts).
   */
  peel(
    d: Uint8Array,
    o: number,
    capLen: number,
    wire: number,
    ip: number,
    ipv: number,
    proto: number,
    l4: number,
    l4end: number,
    vc: number,
  ): number {
    const w = this.pw;
    w.d = d;
    w.o = o;
    w.end = o + capLen;
    w.ip = ip;
    w.ipv = ipv;
    w.proto = proto;
    w.l4 = l4;
    w.l4end = l4end;
    const p = this.peeled;
    if (!p.ofWalk(w, this.etn, true, capLen, wire)) return 0;
    // the record is copied with its wire length less what goes (writeRecord's verbatim test): else the per-record path
    if (p.wireLen !== wire - p.lead - p.drop) return 0;
    const ether = p.etherType === 0;
    const off = ether ? p.lead : p.drop + ETHER_HEADER;
    if (off > PEEL_OFFSET_MAX || (ether && p.drop > 0xff)) return 0;
    const kind = ether ? 0 : p.etherType === ETHERTYPE.IPV4 ? 1 : 2;
    return p.tunnel | (kind << 4) | (vc !== 0 ? 64 : 0) | ((ether ? p.drop : 0) << 8) | (off << 16);
  }

  /** Whether a reader of this format can have the loop: classic little-endian pcap records that outputs copy as they are. */
  static fits(f: PcapRecordFormat): boolean {
    return f.recordHeaderLen === PCAP_RECORD_HEADER && f.layout !== RECORD_LAYOUT.NONE && f.runs !== undefined;
  }

  run(
    bytes: Uint8Array,
    view: DataView,
    start: number,
    end: number,
    quota: number,
    untilSec: number,
    untilNsec: number,
  ): number {
    const parts = this.parts;
    const allowed = parts.allowed();
    if (allowed < quota) quota = allowed;
    this.handled = 0;
    if (quota <= 0) return start;
    let changed = false;
    if (this.rx.length !== parts.results.length) {
      this.learnResults();
      changed = true;
    }
    // an output takes runs once its first record from this tap went the per-record way (declaring its link type)
    const f = parts.format;
    for (let t = 0; t < this.outs.length; t++) {
      const ok = this.outs[t].takesRuns(this.tap, f.linkType, f.layout) ? 1 : 0;
      if (this.ok[t] !== ok) {
        this.ok[t] = ok;
        changed = true;
      }
    }
    if (changed) this.learnOutputs();
    // the loop does not count per output: each output counts the runs it takes, the call's share is its growth
    for (let t = 0; t < this.outs.length; t++) {
      this.op[t] = this.outs[t].packets;
      this.ob[t] = this.outs[t].bytes;
    }
    const stop = parts.chunk(this, bytes, view, start, end, quota, untilSec, untilNsec);
    if (this.handled !== 0) this.count();
    return stop;
  }

  /** The per-result tables for the results known now. */
  private learnResults(): void {
    const results = this.parts.results;
    const n = results.length;
    this.rx = new Uint8Array(n);
    this.rr = new Int32Array(2 * n);
    const rs = new Int32Array(n + 1);
    const rg: number[] = [];
    for (let r = 0; r < n; r++) {
      rs[r] = rg.length;
      this.rx[r] = this.parts.perRecord(r) ? 1 : 0;
      for (const g of results[r].groups) rg.push(g);
    }
    rs[n] = rg.length;
    this.rs = rs;
    this.rg = Int32Array.from(rg);
  }

  /** Per result, the one ready output all its packets go to, RO_NONE (no group), or RO_GENERAL (the loop decides). */
  private learnOutputs(): void {
    const { rx, rs, rg, out, ok, rr } = this;
    for (let r = 0; r < rx.length; r++) {
      const a = rs[r];
      const t = rs[r + 1] - a === 1 ? out[rg[a]] : -1;
      // an edited output's records take the general decision (their drops)
      rr[2 * r] =
        rx[r] !== 0
          ? RO_GENERAL
          : rs[r + 1] === a
            ? RO_NONE
            : t >= 0 && ok[t] !== 0 && this.ek[t] === 0
              ? t
              : RO_GENERAL;
    }
  }

  /** The loop's counters into the run's statistics, and back to zero. */
  private count(): void {
    const st = this.parts.stats;
    const n = this.n;
    st.packetsRead += n[0];
    const ts = st.taps[this.tap];
    ts.packets += n[0];
    ts.bytes += n[1];
    ts.malformed += n[2];
    // three stores, not fill()'s builtin call (the loop returns at every record it leaves: a tunnel strip peels)
    n[0] = 0;
    n[1] = 0;
    n[2] = 0;
    // a packet the loop took went to one output of each group of its result: a group's packets are its outputs'
    for (let t = 0; t < this.outs.length; t++) {
      const packets = this.outs[t].packets - this.op[t];
      if (packets !== 0) {
        const gs = st.groups[this.groupOf[t]];
        gs.in += packets;
        gs.delivered += packets;
        const tool = gs.tools[this.toolOf[t]];
        tool.packets += packets;
        tool.bytes += this.outs[t].bytes - this.ob[t];
        const e = this.editOf[t];
        if (e !== undefined) {
          e.counted(packets, this.ea[2 * t], this.ea[2 * t + 1]);
          this.ea[2 * t] = 0;
          this.ea[2 * t + 1] = 0;
        }
      }
    }
    const rc = this.parts.ruleCounter;
    const rr = this.rr;
    const rs = this.rs;
    const results = rr.length >> 1;
    const rules = st.rules;
    for (let r = 0; r < results; r++) {
      const n = rr[2 * r + 1];
      if (n !== 0) {
        if (rs[r] === rs[r + 1]) st.unmatched += n;
        if (rc !== undefined && rules) rc.countMany(r, n, rules);
        rr[2 * r + 1] = 0;
      }
    }
    this.parts.taken(this.handled, this.viewed);
  }
}
