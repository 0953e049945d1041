import type { Reporter } from '../diagnostics/bag.js';
import type { Code } from '../diagnostics/codes.js';
import type * as A from '../syntax/ast.js';
import { unknownWord } from './unknown-word.js';

/**
 * The value of `amount unit` in base units (bits per second, bytes,
 * nanoseconds), or undefined after a diagnostic: `code` when the unit is
 * missing, TMES0308 when it is unknown.
 */
export function quantity<C extends Code>(
  bag: Reporter<C | 'TMES0308'>,
  q: A.Quantity,
  units: Record<string, number>,
  what: string,
  code: C,
  defaultUnit?: string,
): number | undefined {
  const unit = q.unit?.word ?? defaultUnit;
  if (unit === undefined) {
    bag.add(code, q.span, `${what} needs a unit (${Object.keys(units).join(', ')})`);
    return undefined;
  }
  const mult = units[unit];
  if (mult === undefined) {
    unknownWord(bag, q.unit!.span, unit, `unit for ${what}`, Object.keys(units));
    return undefined;
  }
  return q.amount.value * mult;
}
