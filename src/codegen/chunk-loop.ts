import { _, Code, path } from './code.js';
import { ETHERTYPE } from '../fields/ethertype.js';
import { LINKTYPE } from '../fields/fields.js';
import { SESSION_READS, WALKED_LINK_TYPES, fastEthernetWalk, spineWalk } from './spine.js';

/** Bytes of a classic little- or big-endian pcap record header (the loop takes 16-byte headers only). */
const PCAP_HEADER = 16;

/**
 * A run of records is handed to its output once it is this long (as
 * ToolOutput's own runs): a few copies per write buffer, and the buffer
 * never grows for one.
 */
export const CHUNK_RUN_MAX = 256 * 1024;

/** The largest int32: the loop's bounds are kept as int32 (a chunk holds far fewer records, and far fewer bytes). */
const INT32_MAX = 0x7fffffff;

/**
 * `C.ek[t]` of an output whose records are edited as they are copied
 * (runtime/engine/chunk-loop.ts LoopEdit): EDITED, and what its group's
 * strip removes. 0: the output copies records as they are.
 */
export const EDIT = { EDITED: 1, STRIP: 2, STRIP_VLAN: 4, STRIP_MPLS: 8 } as const;

/** The most records of an edited run (its offsets and drops in `C.eo`): a run that many long is handed over. */
export const EDITED_RUN_MAX = 4096;

/**
 * The most bytes of other records an edited run spans between two of its
 * own (copied with it and written over): about what a run's hand-over
 * costs (takeEditedRun, the writer's view of the run, putEditedRecords'
 * start). Far less than ToolOutput's own edited runs span: the loop leaves
 * few records now (tunnels strip peels stay in it), so a sparse output's
 * run (a DNS tool's) would go on across most of a chunk, every other
 * record's bytes copied with it (instructions-compare 3,896 at 256 KiB,
 * 3,629 at 4 KiB, 3,252 at 1 KiB, 3,280 at 512, 3,151 at 256 bytes:
 * docs/design/measurements.md, "codegen, session 10").
 */
export const EDITED_GAP_MAX = 256;

/** A cut past every record's length: no cut (`C.ekc[t]`). */
export const NO_EDIT_CUT = 0x3fffffff;

/** The least a frame keeps for tags to go in after its addresses (as the mark step has it). */
const MARKABLE = 14;
/** Bytes of a VLAN tag and of an MPLS label stack entry (log2: both 4). */
const TAG_SHIFT = 2;

/** `C.out[g]` of a balanced group: its tool is `C.pick(g)`, the output of the tool the packet's session goes to. */
export const BALANCED = -2;

/** `C.rr[2r]` of a result without groups: its packets are counted (unmatched) and go nowhere. */
export const RO_NONE = -1;
/**
 * `C.rr[2r]` of a result the loop decides group by group (several groups, a
 * balanced one, or one whose output is not ready or not the loop's): the
 * general decision, which may stop the loop. Any other `rr[2r]` is the one
 * output, ready, that all of the result's packets go to.
 */
export const RO_GENERAL = -2;

/**
 * The chunk loop of the packet path's module: `chunk(C, d, v, p, end,
 * quota, untilSec, untilNsec)` walks the pcap records of the read chunk `d`
 * (DataView `v` over the same bytes) from offset `p`, each wholly before
 * `end`, in one function: the record header, classify() of the same module
 * (the walk and the graph, inlined there by V8), the decision, the counters
 * in C's typed arrays, and copy runs of consecutive records per output.
 *
 * It stops, before touching anything, at the first record it does not
 * handle: cut by the chunk's end, a length the reader refuses, a fraction to
 * normalise, a time past the bound, or a packet whose result reaches a group
 * the loop does not deliver to (`C.out[g] === -1`), or to an output not
 * ready for this tap (`C.ok[out] === 0`). A balanced group's output is
 * `C.pick(g)`: its balancer's choice by the session hash from the walk's
 * offsets. The reader
 * hands that record to the per-record path and calls the loop again after
 * it. Runs still open at the end go to `C.take`; `C.handled` and
 * `C.viewed` say how many records it took and how many of those needed the
 * decoder's view.
 *
 * C's layout (runtime/engine/chunk-loop.ts fills it): `le`, `fracLimit`,
 * `toNs`, `capMax`, `linkType`, `tap`; `rx` (per result, 1: the record goes
 * the per-record way); `rs` (Int32Array, results + 1: where
 * result r's groups start in `rg`), `rg` (the groups), `out` (per group, its
 * output, or -1), `ok` (per output, 1 when a record may be taken), `rr`
 * (per result r: rr[2r] its one ready output, RO_NONE or RO_GENERAL, filled
 * from the others whenever they change; rr[2r + 1] the records taken),
 * `n` (Float64Array: packets, bytes, malformed; unmatched packets are the
 * counts of results without groups, a group's packets its outputs'),
 * `sel` (scratch, a group's chosen output),
 * per output `ru` (output t's open run: ru[4t] start, ru[4t + 1] end,
 * ru[4t + 2] records), and `take(out, d, start, end, records)` (the output
 * counts the packets and bytes of the runs it takes; the loop does not).
 *
 * Edited outputs (a group's tap marks, strip of VLAN tags, MPLS stacks
 * and the tunnels it peels from the walk, truncate frame:
 * runtime/engine/chunk-loop.ts LoopEdit): `ek` (per output, 0 or EDIT
 * flags), `ekt` (its tags' length), `ekc` (its cut, NO_EDIT_CUT: none),
 * `etk` (the TUNNEL kinds its strip peels, a bit each; `etn` all outputs'),
 * `ed` (1 when some output is edited: the walk's strip verdict is worked
 * out), `peel(...)` (a tunnel candidate's peel, PacketChunkLoop.peel), `eo`
 * (the open runs' record offsets, drops and leads, EDITED_RUN_MAX each;
 * ru[4t + 3] 1 when some lead of output t's run is not 0), `ea` (per
 * output, records stripped and cut in the call), `sdr` and `sld` (scratch,
 * each group's drop and lead), and `takeEdited(out, d, start, end,
 * records, leads)`. Their records take the general decision; only
 * Ethernet's loop with the local graph edits (the others leave edited
 * records to the per-record path), and it too leaves a record whose strip
 * the walk cannot decide (a tunnel peel() does not know, PPPoE, malformed
 * headers, a fragment) or that is too short for the tags.
 *
 * Only numbers go into this code; everything else comes in through C.
 *
 * With `store` (the walk's state the module's code reads: spine.ts
 * walkDemand), `chunk` dispatches on the loop's link type to a loop of its
 * own with that link type's walk generated into it (spine.ts): offsets in
 * locals, only `store` (and the session hash's reads when a group is
 * balanced) stored into W, then the graph, `graph(d)`. Other link types,
 * and every link type without `store`, run `classify` (Walk.start). Only the
 * walked link types in `linkTypes` get a loop (CodegenOptions.linkTypes).
 * Ethernet's loop tries a fast walk first (spine.ts fastEthernetWalk) when
 * the graph runs over the walk's locals, nothing reads the tunnel candidate
 * flag and no group is balanced, and walks generally only the records it
 * leaves.
 */
export function chunkLoop(
  store?: ReadonlySet<string>,
  begun = true,
  local?: readonly string[],
  linkTypes: readonly number[] = WALKED_LINK_TYPES,
  balanced = true,
): Code {
  const spines: [number, Code][] = [];
  // the local graph (spine.ts localGraph) is called at the walk's end, where its arguments are the walk's locals
  const call =
    local === undefined ? undefined : _`r = lgraph(${new Code(['d', ...local.map((a) => path(a).text)].join(', '))});`;
  // Ethernet's loop with the local graph also edits records (edited outputs): the walk's verdict for strip into `sv`
  const edits = (t: number) => t === LINKTYPE.ETHERNET && call !== undefined;
  const tail = (t: number) => (call !== undefined && edits(t) ? _`${call} ${stripVerdict}` : call);
  if (store !== undefined)
    for (const t of WALKED_LINK_TYPES) {
      if (!linkTypes.includes(t)) continue;
      // the PPPoE session is walked where records may be edited: strip leaves those frames to the chain
      const walked = edits(t) ? new Set([...store, 'ps']) : store;
      const walk = spineWalk(t, walked, { when: _`hb !== 0`, store: new Set(SESSION_READS) }, tail(t));
      if (walk !== undefined) spines.push([t, walk]);
    }
  if (spines.length === 0) return loop(_`chunk`);
  // the fast walk (Ethernet only) needs the local graph (it stores nothing into W) and no reader of the tunnel
  // candidate flag; it works the flag out for the strip verdict where an output is edited (`ed`)
  const fast = (t: number): Code | undefined =>
    t === LINKTYPE.ETHERNET && call !== undefined && store !== undefined && !store.has('cand')
      ? fastEthernetWalk(store, tail(t)!, _`ed !== 0`)
      : undefined;
  const args = _`C, d, v, p, end, quota, untilSec, untilNsec`;
  // a link type whose loop edits has two: the edited one (`chunk${t}e`) where some output is edited (`C.ed`), and
  // one without the strip verdict and the edit checks in the decision for every other tap (plain policies keep
  // the loop they had before edits came into it)
  const cases = spines.map(([t]) =>
    edits(t)
      ? _`case ${t}: return C.ed !== 0 ? ${path(`chunk${t}e`)}(${args}) : ${path(`chunk${t}`)}(${args});`
      : _`case ${t}: return ${path(`chunk${t}`)}(${args});`,
  );
  const plainWalks = new Map<number, Code>();
  if (store !== undefined)
    for (const [t] of spines)
      if (edits(t)) plainWalks.set(t, spineWalk(t, store, { when: _`hb !== 0`, store: new Set(SESSION_READS) }, call)!);
  const plainFast = (t: number): Code | undefined =>
    t === LINKTYPE.ETHERNET && call !== undefined && store !== undefined && !store.has('cand')
      ? fastEthernetWalk(store, call)
      : undefined;
  return _`function chunk(${args}) {
  if (!C.le) return chunkAny(${args});
  switch (C.linkType) {
    ${cases}
    default: return chunkAny(${args});
  }
}
${loop(_`chunkAny`)}
${spines.map(([t, walk]) =>
  edits(t)
    ? _`${loop(path(`chunk${t}e`), walk, store, begun, true, balanced, fast(t), true)}
${loop(path(`chunk${t}`), plainWalks.get(t), store, begun, true, balanced, plainFast(t), false, true)}`
    : loop(path(`chunk${t}`), walk, store, begun, call !== undefined, balanced, fast(t), false),
)}`;
}

/**
 * The walk's verdict on an Ethernet frame for strip, into the loop's `sv`
 * where some output is edited (`ed`), as walked-steps.ts vlanTagsOnly has
 * it: -1 for a frame strip leaves to the chain (malformed headers, a
 * fragment, PPPoE, anything but IPv4, IPv6 or ARP after the tags and
 * labels, a tunnel candidate the walk cannot peel); else its VLAN tags, its
 * MPLS labels << 4 and the EtherType after them << 8. A tunnel candidate
 * with only VLAN tags before its IPv4 or IPv6 carrier, where some output's
 * strip peels tunnels (`etn`), is peeled from the walk's offsets
 * (runtime/engine/chunk-loop.ts PacketChunkLoop.peel, as walked-steps.ts
 * peeledTunnel has it): `sv` is then ~ its verdict (-2 or less; -1 when
 * not known).
 */
const stripVerdict = _`if (ed !== 0)
      sv = bad === 0 && frag <= 0 && ps === -1
        ? cand === 0
          ? et === ${ETHERTYPE.IPV4} || et === ${ETHERTYPE.IPV6} || (et === ${ETHERTYPE.ARP} && mc === 0)
            ? vc | (mc << 4) | (et << 8)
            : -1
          : etn !== 0 && mc === 0 && (et === ${ETHERTYPE.IPV4} || et === ${ETHERTYPE.IPV6})
            ? ~C.peel(d, o, n, wire, ip, ipv, proto, l4, l4end, vc)
            : -1
        : -1;`;

/** PacketChunkLoop.peel's verdict: the tunnel kind, the carried packet (0 Ethernet, 1 IPv4, 2 IPv6), outer tags. */
const PEEL = { KIND: 15, CARRIED_SHIFT: 4, OUTER_TAGS: 64, TAG_BYTES_SHIFT: 8, OFFSET_SHIFT: 16 } as const;
/** The Ethernet header a carried IP packet goes behind (its addresses the frame's, its EtherType the packet's). */
const ETHER_HEADER = 14;

/** The general walk of a record, with W.begin and the tunnel candidate's store when they are needed. */
function general(walk: Code, store: ReadonlySet<string> | undefined, begun: boolean): Code {
  return _`${begun ? _`W.begin(d, o, capLen, wire);` : _`if (hb !== 0) W.begin(d, o, capLen, wire);`}
    { const n = capLen; ${walk} }
    ${store?.has('cand') ? _`W.cand = cand;` : _`if (hb !== 0) W.cand = cand;`}`;
}

/**
 * One loop: `walk` the link type's generated walk (and `store` what it
 * stores), or Walk.start through classify. A walked loop reads little-endian
 * record headers only (`chunk` sends big-endian files to chunkAny), and
 * calls W.begin only when `begun` (the graph reads the frame or its view) or
 * a group is balanced (the session hash may make the view).
 *
 * Statistics are counted once a call, not a packet: records and bytes from
 * how far `p` moved (per output, by the output as it takes a run); per
 * packet only the result's count (`rr`) and the malformed
 * flag. `unedited`: a loop called only where no output is edited (`C.ed`
 * is 0), which leaves out the edited-output test of each group.
 */
function loop(
  name: Code,
  walk?: Code,
  store?: ReadonlySet<string>,
  begun = true,
  local = false,
  balanced = true,
  fast?: Code,
  edits = false,
  unedited = false,
): Code {
  const le = walk === undefined ? _`le` : _`true`;
  // without balanced groups `hb` is the constant 0: the optimizer drops the session hash's stores and W.begin,
  // and the walk's offsets that only they read; a balanced group's packets then go the per-record way
  const begin =
    walk === undefined
      ? _``
      : balanced
        ? _`W.place(linkType, tap);
  let hb = 0;
  for (let i = 0; i < out.length; i++) if (out[i] === ${BALANCED}) hb = 1;`
        : _`W.place(linkType, tap);
  const hb = 0;`;
  const pick = balanced ? _`if (t === ${BALANCED}) t = C.pick(g);` : _``;
  // an edited output's record: what its group's strip drops (the walk's verdict, `sv`), or the per-record way when
  // the chain must do it; a loop without the verdict leaves every edited record to the per-record path
  const decide = edits
    ? _`const f = ek[t];
        if (f !== 0) {
          let db = 0, dw = 0, dl = 0;
          if ((f & ${EDIT.STRIP}) !== 0) {
            if (sv < 0) {
              // a tunnel peeled from the walk (~sv), where this output's strip peels its kind and any outer tags
              if (sv === -1) break w;
              const pv = ~sv;
              if (((etk[t] >> (pv & ${PEEL.KIND})) & 1) === 0 || ((pv & ${PEEL.OUTER_TAGS}) !== 0 && (f & ${EDIT.STRIP_VLAN}) === 0)) break w;
              const off = pv >>> ${PEEL.OFFSET_SHIFT}, carried = (pv >> ${PEEL.CARRIED_SHIFT}) & 3;
              if (carried !== 0) {
                // the carried IP packet behind the frame's addresses, its EtherType after them
                db = (off - ${ETHER_HEADER}) | 0;
                dw = db | ((carried === 1 ? ${ETHERTYPE.IPV4} : ${ETHERTYPE.IPV6}) << 16);
              } else {
                // the carried Ethernet frame is the frame (the bytes before it go), less its tags where strip takes them
                dl = off;
                db = (f & ${EDIT.STRIP_VLAN}) !== 0 ? (pv >> ${PEEL.TAG_BYTES_SHIFT}) & 0xff : 0;
                dw = db;
              }
            } else {
            const vl = sv & 15, ml = (sv >> 4) & 15;
            if (ml !== 0 && (f & ${EDIT.STRIP_MPLS}) !== 0) {
              // the labels go after the tags, which must go too; the EtherType before them names the IP packet
              if (vl !== 0 && (f & ${EDIT.STRIP_VLAN}) === 0) break w;
              db = (vl + ml) << ${TAG_SHIFT};
              dw = db | ((sv >> 8) << 16);
            } else if (vl !== 0 && (f & ${EDIT.STRIP_VLAN}) !== 0) {
              db = vl << ${TAG_SHIFT};
              dw = db;
            }
            }
          }
          // tags go into a frame that keeps its addresses and type; a shorter one is counted apart (per record)
          if (ekt[t] !== 0 && ((capLen - db - dl) | 0) < ${MARKABLE}) break w;
          sdr[i - a] = dw;
          sld[i - a] = dl;
        }`
    : unedited
      ? _``
      : _`if (ek[t] !== 0) break w;`;
  const classify =
    walk === undefined
      ? _`const r = classify(d, o, capLen, v.getUint32(p + 12, le), linkType, tap);`
      : _`const wire = v.getUint32((p + 12) | 0, true);
    let bad = 0, cand = 0${local ? _`, r = 0` : _``}${edits ? _`, sv = -1` : _``};
    ${fast === undefined ? general(walk, store, begun) : _`g: { f: { if (hb !== 0) break f; ${fast} break g; } ${general(walk, store, begun)} }`}
    ${local ? _`` : _`const r = graph(d);`}`;
  const bad = walk === undefined ? _`W.bad` : _`bad`;
  // without W.begin the view is never made, unless by a balanced group's session hash (which does begin)
  const viewed = walk === undefined || begun ? _`if (W.viewed) viewed++;` : _`if (hb !== 0 && W.viewed) viewed++;`;
  // a run handed over to its output, which counts its records and bytes
  // (output t's open run is ru[j], ru[j + 1], ru[j + 2], j = 4t: start, end, records)
  const take = (t: Code, e: Code) => _`C.take(${t}, d, ru[j], ${e}, ru[j + 2]);`;
  // an edited output's open run: its records' header offsets from its start in eo[3Et + i], their drops (strip's
  // dropAndType) in eo[3Et + E + i], their leads (a peeled tunnel's bytes before the carried frame) in
  // eo[3Et + 2E + i], ru[4t + 3] 1 when some lead is not 0; it spans other records (copied and written over) up to
  // EDITED_GAP_MAX apart
  const E = EDITED_RUN_MAX;
  const extendEdited = (t: Code, dw: Code, dl: Code) => _`const j = ${t} << 2;
        let m = ru[j + 2];
        if (m !== 0 && (((p - ru[j + 1]) | 0) > ${EDITED_GAP_MAX} || ((e - ru[j]) | 0) > ${CHUNK_RUN_MAX} || m === ${E})) {
          C.takeEdited(${t}, d, ru[j], ru[j + 1], m, ru[j + 3]);
          m = 0;
        }
        if (m === 0) {
          ru[j] = p;
          ru[j + 3] = 0;
        }
        const x = (${t} * ${3 * E} + m) | 0;
        const dw = ${dw}, dl = ${dl};
        eo[x] = (p - ru[j]) | 0;
        eo[(x + ${E}) | 0] = dw;
        eo[(x + ${2 * E}) | 0] = dl;
        if (dl !== 0) ru[j + 3] = 1;
        ru[j + 1] = e;
        ru[j + 2] = m + 1;
        // strip's and truncate's verdicts (the output counts the records): stripped, cut
        const db = (dw & 0xffff) + dl, c = ${t} << 1;
        if (db !== 0) ea[c]++;
        if (((capLen - db) | 0) > ekc[${t}]) ea[c + 1]++;`;
  // the record extends output t's open run, or closes it and opens one; a run that long is handed over
  const extend = (t: Code) => _`const j = ${t} << 2;
      if (ru[j + 1] === p) {
        ru[j + 1] = e;
        ru[j + 2]++;
      } else {
        if (ru[j + 2] !== 0) {
          ${take(t, _`ru[j + 1]`)}
        }
        ru[j] = p;
        ru[j + 1] = e;
        ru[j + 2] = 1;
      }
      if (e - ru[j] >= ${CHUNK_RUN_MAX}) {
        ${take(t, _`e`)}
        ru[j + 2] = 0;
        ru[j + 1] = -1;
      }`;
  return _`function ${name}(C, d, v, p, end, quota, untilSec, untilNsec) {
  // the loop's position and bounds as int32 once, not tagged numbers checked and untagged a record
  p |= 0;
  end |= 0;
  const kMax = quota < ${INT32_MAX} ? quota | 0 : ${INT32_MAX};
  const ${walk === undefined ? _`le = C.le, ` : _``}fracLimit = C.fracLimit | 0, toNs = C.toNs, capMax = Math.min(C.capMax, ${INT32_MAX}) | 0, linkType = C.linkType, tap = C.tap;
  const rs = C.rs, rg = C.rg, out = C.out, ok = C.ok, cnt = C.n;
  const ru = C.ru, rx = C.rx, rr = C.rr, sel = C.sel;
  ${edits ? _`const ek = C.ek, ekc = C.ekc, ekt = C.ekt, eo = C.eo, ea = C.ea, sdr = C.sdr, sld = C.sld, etk = C.etk, etn = C.etn, ed = C.ed;` : _`const ek = C.ek;`}
  // a time bound past any 32-bit second (Infinity: a lone tap) stops no record: its check is left out
  const bounded = untilSec < 4294967296;
  ${begin}
  const p0 = p;
  let k = 0, viewed = 0, malformed = 0;
  w: while (k < kMax) {
    const left = (end - p) | 0;
    if (left < ${PCAP_HEADER}) break;
    const capLen = v.getUint32((p + 8) | 0, ${le});
    if (capLen > capMax || left < ${PCAP_HEADER} + capLen) break;
    const frac = v.getUint32((p + 4) | 0, ${le});
    if (frac >= fracLimit) break;
    if (bounded) {
      const sec = v.getUint32(p, ${le});
      const ns = frac * toNs;
      if (sec > untilSec || (sec === untilSec && ns > untilNsec)) break;
    }
    const o = (p + ${PCAP_HEADER}) | 0;
    ${classify}
    const r2 = r << 1;
    if (r2 >= rr.length) break;
    // the usual result: one output, ready; the general decision only for the others
    const t0 = rr[r2];
    let a = 0, b = 0;
    if (t0 === ${RO_GENERAL}) {
      if (rx[r] !== 0) break;
      a = rs[r];
      b = rs[r + 1];
      for (let i = a; i < b; i++) {
        const g = rg[i];
        let t = out[g];
        ${pick}
        if (t < 0 || ok[t] === 0) break w;
        sel[i - a] = t;
        ${decide}
      }
    }
    ${viewed}
    rr[r2 + 1]++;
    if (${bad} !== 0) malformed++;
    const e = (o + capLen) | 0;
    if (t0 >= 0) {
      ${extend(_`t0`)}
    } else
      for (let i = a; i < b; i++) {
        const t = sel[i - a];
        ${
          edits
            ? _`if (ek[t] === 0) {
          ${extend(_`t`)}
        } else {
          ${extendEdited(_`t`, _`sdr[i - a]`, _`sld[i - a]`)}
        }`
            : extend(_`t`)
        }
      }
    p = e;
    k++;
  }
  for (let t = 0, j = 0; j < ru.length; t++, j += 4)
    if (ru[j + 2] !== 0) {
      if (ek[t] === 0) {
        ${take(_`t`, _`ru[j + 1]`)}
      } else C.takeEdited(t, d, ru[j], ru[j + 1], ru[j + 2], ru[j + 3]);
      ru[j + 2] = 0;
      ru[j + 1] = -1;
    }
  cnt[0] += k;
  cnt[1] += p - p0 - ${PCAP_HEADER} * k;
  cnt[2] += malformed;
  C.handled = k;
  C.viewed = viewed;
  return p;
}`;
}
