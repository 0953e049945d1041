/**
 * An independent finder of payment card numbers as docs/language.md defines
 * them (mask's `card-number`), for the tests' oracles: not mask's code.
 */

/** The Luhn check of a string of digits. */
export function luhn(d: string): boolean {
  let sum = 0;
  for (let i = 0; i < d.length; i++) {
    let x = Number(d[d.length - 1 - i]);
    if (i % 2 === 1) x = x * 2 > 9 ? x * 2 - 9 : x * 2;
    sum += x;
  }
  return sum % 10 === 0;
}

/** Every card number written in `text`: unbroken runs of 13-19 digits, or 2-6 groups as cards are printed. */
export function cardNumbersIn(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/\d+(?:[ -]\d+)*/g)) {
    const groups = m[0].split(/[ -]/);
    const seps = [...m[0].matchAll(/[ -]/g)].map((x) => x[0]);
    for (let i = 0; i < groups.length; i++)
      for (let j = i; j < groups.length && j - i < 6; j++) {
        const g = groups.slice(i, j + 1);
        const digits = g.join('');
        if (digits.length < 13 || digits.length > 19 || !luhn(digits)) continue;
        if (
          g.length === 1 ||
          (g[0].length >= 4 &&
            g[0].length <= 6 &&
            g.slice(1).every((x) => x.length >= 3) &&
            new Set(seps.slice(i, j)).size === 1)
        )
          found.push(g.join(seps[i] ?? ''));
      }
  }
  return found;
}

/**
 * Every Luhn-valid number of 13 to 19 digits in `text` read loosely: whole
 * digit groups joined by single spaces or dashes, any mix of them, groups of
 * any size, any count. A wider net than the definition: what it finds and
 * cardNumbersIn does not is what the built-in leaves on purpose (mixed
 * separators, a first group of other than 4-6 digits, a later one of fewer
 * than 3: not how cards are printed). Windows inside a group of more than 19
 * digits are left by both (order ids, hashes).
 */
export function luhnNumbersIn(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/\d+(?:[ -]\d+)*/g)) {
    const groups = m[0].split(/[ -]/);
    const seps = [...m[0].matchAll(/[ -]/g)].map((x) => x[0]);
    for (let i = 0; i < groups.length; i++) {
      let digits = '';
      let written = '';
      for (let j = i; j < groups.length && digits.length + groups[j].length <= 19; j++) {
        digits += groups[j];
        written += (j > i ? seps[j - 1] : '') + groups[j];
        if (digits.length >= 13 && luhn(digits)) found.push(written);
      }
    }
  }
  return found;
}
