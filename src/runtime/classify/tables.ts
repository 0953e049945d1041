import type { ArtifactGraph } from '../../artifact/types.js';
import { ABSENT, FIELD_INDEX, FIELDS } from '../../fields/fields.js';
import type { PacketView } from '../decode/view.js';
import { buildLoad, buildPredicate, type PredicateFn } from './predicates.js';
import { HASH_MUL, splitSingles, worthHashing } from '../../codegen/lookup.js';

/** An empty hash slot. */
const EMPTY = -2;

/**
 * The match graph as flat typed arrays and a loop that walks it: for -O0
 * graphs of more than one rule, for the deep nodes generated code leaves out,
 * and wherever tests ask for it instead of code. Lookups are chosen from each node's shape, not from the compiler's
 * `lookup` hint, because what is cheap here differs from what is cheap in code.
 */

/** Nodes with at most this many intervals are looked up with straight-line compares. */
const FLAT = 4;
/**
 * Open addressing with linear probing over typed arrays, at most a quarter
 * full so that a probe rarely goes past its first slot. Probing runs on past
 * the end instead of wrapping, so the arrays have `size` plus one slot per key
 * (a probe sequence is never longer than the keys).
 */
function hashSlots(singles: readonly [number, number][]): { size: number; shift: number } {
  let size = 2;
  while (size < 4 * singles.length) size *= 2;
  return { size, shift: 32 - Math.log2(size) };
}

/**
 * A field by its index in FIELDS. A switch, so that every case is a plain
 * property load on one hidden class; a closure per field sharing one
 * feedback vector would make every load megamorphic.
 */
export function fieldOf(p: PacketView, i: number): number {
  // prettier-ignore
  switch (i) {
    case 0: return p.tap;
    case 1: return p.linkType;
    case 2: return p.etherType;
    case 3: return p.outerEtherType;
    case 4: return p.ipProto;
    case 5: return p.dstPort;
    case 6: return p.srcPort;
    case 7: return p.ip4Dst;
    case 8: return p.ip4Src;
    case 9: return p.ip6Dst0;
    case 10: return p.ip6Dst1;
    case 11: return p.ip6Dst2;
    case 12: return p.ip6Dst3;
    case 13: return p.ip6Src0;
    case 14: return p.ip6Src1;
    case 15: return p.ip6Src2;
    case 16: return p.ip6Src3;
    case 17: return p.ethDst;
    case 18: return p.ethSrc;
    case 19: return p.ethMulticast;
    case 20: return p.vlanCount;
    case 21: return p.vlan0;
    case 22: return p.vlan1;
    case 23: return p.vlanPri0;
    case 24: return p.mplsCount;
    case 25: return p.mpls0;
    case 26: return p.mpls1;
    case 27: return p.pppoeSession;
    case 28: return p.tcpFlags;
    case 29: return p.icmpType;
    case 30: return p.icmpCode;
    case 31: return p.ttl;
    case 32: return p.dscp;
    case 33: return p.fragment;
    case 34: return p.wireLen;
    case 35: return p.tunnel;
    case 36: return p.tunnelId;
    case 37: return p.pktType;
    case 38: return p.ifIndex;
    case 39: return p.llcDsap;
    case 40: return p.llcSsap;
    case 41: return p.llcControl;
    case 42: return p.snapOui;
    case 43: return p.snapType;
    case 44: return p.osiNlpid;
    case 45: return p.isisPduType;
  }
  return ABSENT;
}

const NF = FIELDS.length;

/**
 * Where a graph field's value comes from: FIELDS index, NF + index for inner
 * fields, 2 NF + n for function n of `fns` (predicates first, then the byte
 * loads in the order the graph lists them: functionsOf).
 */
export function slotsOf(g: Pick<ArtifactGraph, 'fields' | 'preds'>): number[] {
  let loads = 0;
  return g.fields.map((name) => (name.startsWith('load:') ? 2 * NF + g.preds.length + loads++ : slotOf(name)));
}

/** The functions a graph's predicate and load fields read, in slot order (see slotsOf). */
export function functionsOf(g: Pick<ArtifactGraph, 'fields' | 'preds'>): PredicateFn[] {
  return [...g.preds.map(buildPredicate), ...g.fields.filter((f) => f.startsWith('load:')).map(buildLoad)];
}

function slotOf(name: string): number {
  const pred = /^pred:(\d+)$/.exec(name);
  if (pred) return 2 * NF + Number(pred[1]);
  const inner = name.startsWith('inner.');
  const i = FIELD_INDEX.get(inner ? name.slice(6) : name);
  if (i === undefined) throw new Error(`match graph: unknown packet field ${name}`);
  return inner ? NF + i : i;
}

const scratch = new Float64Array(1);

/** Per node, at `id * STRIDE`: field slot, first cut, interval count, first hash slot (-1: none), hash shift. */
const STRIDE = 8;

export class Tables {
  private readonly meta: Int32Array;
  private readonly cuts: Float64Array;
  private readonly kids: Int32Array;
  private readonly hkeys: Float64Array;
  private readonly hkids: Int32Array;

  constructor(
    g: ArtifactGraph,
    private readonly preds: PredicateFn[],
    opts: { hashMin?: number } = {},
  ) {
    const n = g.nodes.length;
    this.meta = new Int32Array(n * STRIDE);
    const shapes = g.nodes.map((node) => {
      if (node.kids.length <= FLAT) return { cuts: node.cuts, kids: node.kids, singles: undefined };
      const s = splitSingles(node.cuts, node.kids);
      return worthHashing(node, s, opts.hashMin) ? s : { cuts: node.cuts, kids: node.kids, singles: undefined };
    });
    let nCuts = 0;
    let nSlots = 0;
    for (const s of shapes) {
      nCuts += Math.max(FLAT, s.kids.length);
      if (s.singles) nSlots += hashSlots(s.singles).size + s.singles.length;
    }
    this.cuts = new Float64Array(nCuts).fill(Infinity);
    this.kids = new Int32Array(nCuts);
    this.hkeys = new Float64Array(nSlots).fill(EMPTY);
    this.hkids = new Int32Array(nSlots);
    const slots = slotsOf(g);
    let at = 0;
    let slot = 0;
    shapes.forEach((s, i) => {
      const m = i * STRIDE;
      this.meta[m] = slots[g.nodes[i].field];
      this.meta[m + 1] = at;
      this.meta[m + 2] = s.kids.length;
      this.meta[m + 3] = -1;
      this.cuts.set(s.cuts, at);
      this.kids.set(s.kids, at);
      at += Math.max(FLAT, s.kids.length);
      if (s.singles) {
        const { size, shift } = hashSlots(s.singles);
        this.meta[m + 3] = slot;
        this.meta[m + 4] = shift;
        for (const [v, k] of s.singles) {
          let h = slot + (Math.imul(v | 0, HASH_MUL) >>> shift);
          while (this.hkeys[h] !== EMPTY) h++;
          this.hkeys[h] = v;
          this.hkids[h] = k;
        }
        slot += size + s.singles.length;
      }
    });
  }

  /**
   * Walks from a node to a leaf and returns the leaf index. Lookups are
   * branch-free where they can be (a comparison adds 0 or 1 to an index), so
   * the cost depends little on which way the packet goes.
   */
  walk(id: number, p: PacketView, d: Uint8Array): number {
    const { meta, cuts, kids, hkeys, hkids } = this;
    while (id >= 0) {
      const m = id * STRIDE;
      const f = meta[m];
      // As in generated code, a view that is its own inner one has no inner fields. Through a
      // Float64Array, so that v is a float64 whatever the field: no boxing of values above 2^30.
      scratch[0] =
        f < NF
          ? fieldOf(p, f)
          : f < 2 * NF
            ? p.inner === p
              ? ABSENT
              : fieldOf(p.inner, f - NF)
            : this.preds[f - 2 * NF](p, d);
      const v = scratch[0];
      const h = meta[m + 3];
      if (h >= 0) {
        let s = h + (Math.imul(v | 0, HASH_MUL) >>> meta[m + 4]);
        let k = hkeys[s];
        while (k !== v && k !== EMPTY) k = hkeys[++s];
        if (k === v) {
          id = hkids[s];
          continue;
        }
      }
      let b = meta[m + 1];
      const c = meta[m + 2];
      if (c <= FLAT) {
        // cuts past the node's own are +Infinity, so they never count
        b += +(v >= cuts[b + 1]) + +(v >= cuts[b + 2]) + +(v >= cuts[b + 3]);
      } else {
        for (let len = c; len > 1;) {
          const half = len >>> 1;
          b += +(cuts[b + half] <= v) * half;
          len -= half;
        }
      }
      id = kids[b];
    }
    return -1 - id;
  }
}
