import { _, Code, path } from './code.js';
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
  const tail =
    local === undefined ? undefined : _`r = lgraph(${new Code(['d', ...local.map((a) => path(a).text)].join(', '))});`;
  if (store !== undefined)
    for (const t of WALKED_LINK_TYPES) {
      if (!linkTypes.includes(t)) continue;
      const walk = spineWalk(t, store, { when: _`hb !== 0`, store: new Set(SESSION_READS) }, tail);
      if (walk !== undefined) spines.push([t, walk]);
    }
  if (spines.length === 0) return loop(_`chunk`);
  // the fast walk (Ethernet only) needs the local graph (it stores nothing into W) and no reader of the tunnel candidate flag
  const fast = (t: number): Code | undefined =>
    t === LINKTYPE.ETHERNET && tail !== undefined && store !== undefined && !store.has('cand')
      ? fastEthernetWalk(store, tail)
      : undefined;
  const args = _`C, d, v, p, end, quota, untilSec, untilNsec`;
  const cases = spines.map(([t]) => _`case ${t}: return ${path(`chunk${t}`)}(${args});`);
  return _`function chunk(${args}) {
  if (!C.le) return chunkAny(${args});
  switch (C.linkType) {
    ${cases}
    default: return chunkAny(${args});
  }
}
${loop(_`chunkAny`)}
${spines.map(([t, walk]) => loop(path(`chunk${t}`), walk, store, begun, tail !== undefined, balanced, fast(t)))}`;
}

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
 * flag.
 */
function loop(
  name: Code,
  walk?: Code,
  store?: ReadonlySet<string>,
  begun = true,
  local = false,
  balanced = true,
  fast?: Code,
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
  const classify =
    walk === undefined
      ? _`const r = classify(d, o, capLen, v.getUint32(p + 12, le), linkType, tap);`
      : _`const wire = v.getUint32((p + 12) | 0, true);
    let bad = 0, cand = 0${local ? _`, r = 0` : _``};
    ${fast === undefined ? general(walk, store, begun) : _`g: { f: { if (hb !== 0) break f; ${fast} break g; } ${general(walk, store, begun)} }`}
    ${local ? _`` : _`const r = graph(d);`}`;
  const bad = walk === undefined ? _`W.bad` : _`bad`;
  // without W.begin the view is never made, unless by a balanced group's session hash (which does begin)
  const viewed = walk === undefined || begun ? _`if (W.viewed) viewed++;` : _`if (hb !== 0 && W.viewed) viewed++;`;
  // a run handed over to its output, which counts its records and bytes
  // (output t's open run is ru[j], ru[j + 1], ru[j + 2], j = 4t: start, end, records)
  const take = (t: Code, e: Code) => _`C.take(${t}, d, ru[j], ${e}, ru[j + 2]);`;
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
        ${extend(_`t`)}
      }
    p = e;
    k++;
  }
  for (let t = 0, j = 0; j < ru.length; t++, j += 4)
    if (ru[j + 2] !== 0) {
      ${take(_`t`, _`ru[j + 1]`)}
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
