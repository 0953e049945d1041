import type { PFilter, Ranges } from '../policy/policy.js';
import { normalizeRanges } from '../policy/ranges.js';

/** Small constructors for lowered filters, with the trivial simplifications done at once. */
export const TRUE: PFilter = { t: 'const', value: true };
export const FALSE: PFilter = { t: 'const', value: false };

export function test(field: string, ranges: Ranges): PFilter {
  return ranges.length === 0 ? FALSE : { t: 'test', field, ranges: normalizeRanges(ranges) };
}
export function eq(field: string, v: number): PFilter {
  return test(field, [[v, v]]);
}
export function and(...args: PFilter[]): PFilter {
  const flat: PFilter[] = [];
  for (const a of args) {
    if (a.t === 'const') {
      if (!a.value) return FALSE;
      continue;
    }
    if (a.t === 'and') flat.push(...a.args);
    else flat.push(a);
  }
  return flat.length === 0 ? TRUE : flat.length === 1 ? flat[0] : { t: 'and', args: flat };
}
export function or(...args: PFilter[]): PFilter {
  const flat: PFilter[] = [];
  for (const a of args) {
    if (a.t === 'const') {
      if (a.value) return TRUE;
      continue;
    }
    if (a.t === 'or') flat.push(...a.args);
    else flat.push(a);
  }
  return flat.length === 0 ? FALSE : flat.length === 1 ? flat[0] : { t: 'or', args: flat };
}
export function not(arg: PFilter): PFilter {
  if (arg.t === 'const') return { t: 'const', value: !arg.value };
  if (arg.t === 'not') return arg.arg;
  return { t: 'not', arg };
}

/** The values v in [0, 255] with (v & mask) === want, as ranges. */
export function maskedByteRanges(mask: number, want: number): Ranges {
  const r: Ranges = [];
  for (let v = 0; v < 256; v++) if ((v & mask) === want) r.push([v, v]);
  return normalizeRanges(r);
}
