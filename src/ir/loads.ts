import { LOAD_LAYERS } from '../policy/policy.js';
import type { PArith, Predicate, Ranges } from '../policy/policy.js';
import { normalizeRanges } from '../policy/ranges.js';

/**
 * Byte loads as fields. A comparison of a load with a constant (`ip[8] <
 * 64`, `ether[12:2] = 0x88cc`, `ip[1] & 0xfc = 0x28`) is a test of one value
 * against ranges, as a port test is: so it becomes an interval test on a
 * field of its own, named after what it loads (`load:outer:ip:8:1`), rather
 * than an opaque predicate. Then `ip[1] = 3` and `ip[1] = 4` are one field
 * with two values (one hash lookup for a thousand groups, where a predicate
 * each would be a thousand independent conditions whose combinations
 * multiply), and the analysis sees that `ip[1] = 3 and ip[1] = 4` matches
 * nothing. The runtime reads the field as the predicate would have loaded it:
 * the unsigned value, or ABSENT when the packet has no such layer or is too
 * short, where the comparison is false, as tcpdump's load past the packet
 * rejects it.
 */
export interface LoadTest {
  /** The field's name: `load:<scope>:<layer>:<offset>:<size>`. */
  field: string;
  ranges: Ranges;
}

/** The fields' names, as the JSON Schema and the runtime accept them. */
export const LOAD_FIELD_PATTERN = `^load:(outer|inner):(${LOAD_LAYERS.join('|')}):([0-9]+):([124])$`;
export const LOAD_FIELD = new RegExp(LOAD_FIELD_PATTERN);

const FLIP: Record<string, string> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=', '==': '==', '!=': '!=' };

/** The load test a predicate is, or undefined when it is something else (payload, other arithmetic). */
export function loadTest(p: Predicate): LoadTest | undefined {
  if (p.kind !== 'relation') return undefined;
  let op: string = p.op;
  let left = p.left;
  let right = p.right;
  if (left.k === 'num') {
    [left, right] = [right, left];
    op = FLIP[op];
  }
  if (right.k !== 'num') return undefined;
  // pcap compares unsigned 32-bit values
  const c = right.v >>> 0;
  let mask: number | undefined;
  let load: PArith = left;
  if (load.k === 'bin' && load.op === '&' && load.r.k === 'num' && load.l.k === 'load') {
    mask = load.r.v >>> 0;
    load = load.l;
  }
  if (load.k !== 'load' || load.offset.k !== 'num') return undefined;
  const offset = load.offset.v >>> 0;
  const max = load.size === 4 ? 0xffffffff : load.size === 2 ? 0xffff : 0xff;
  const holds = (v: number): boolean => {
    const x = (mask === undefined ? v : (v & mask) >>> 0) >>> 0;
    switch (op) {
      case '==':
        return x === c;
      case '!=':
        return x !== c;
      case '<':
        return x < c;
      case '<=':
        return x <= c;
      case '>':
        return x > c;
      default:
        return x >= c;
    }
  };
  let ranges: Ranges;
  if (mask !== undefined) {
    // a masked value: only a byte's 256 values are worth listing
    if (load.size !== 1) return undefined;
    ranges = [];
    for (let v = 0; v <= 0xff; v++) if (holds(v)) ranges.push([v, v]);
    ranges = normalizeRanges(ranges);
  } else {
    const clamp = (x: number) => Math.min(Math.max(x, 0), max);
    switch (op) {
      case '==':
        ranges = c <= max ? [[c, c]] : [];
        break;
      case '!=':
        ranges =
          c > max
            ? [[0, max]]
            : normalizeRanges([c > 0 ? [0, c - 1] : [1, 0], [c + 1, max]].filter(([a, b]) => a <= b) as Ranges);
        break;
      case '<':
        ranges = c === 0 ? [] : [[0, clamp(c - 1)]];
        break;
      case '<=':
        ranges = [[0, clamp(c)]];
        break;
      case '>':
        ranges = c >= max ? [] : [[c + 1, max]];
        break;
      default:
        ranges = c > max ? [] : [[c, max]];
    }
  }
  return { field: `load:${p.scope}:${load.layer}:${offset}:${load.size}`, ranges };
}
