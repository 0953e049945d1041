import type { Prng } from '../prng.js';

/** The digit that makes `body` + digit pass the Luhn check. */
export function luhnCheckDigit(body: string): number {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    // Doubling starts from the rightmost body digit, as the check digit is appended after it.
    let d = body.charCodeAt(body.length - 1 - i) - 48;
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

export function isLuhnValid(number: string): boolean {
  if (!/^\d{2,}$/.test(number)) return false;
  return luhnCheckDigit(number.slice(0, -1)) === number.charCodeAt(number.length - 1) - 48;
}

/** A 16-digit Visa-style test number that passes the Luhn check (4111111111111111 among them). */
export function cardNumber(rng: Prng): string {
  if (rng.chance(0.25)) return '4111111111111111';
  let body = '4';
  for (let i = 0; i < 14; i++) body += String(rng.int(10));
  return body + String(luhnCheckDigit(body));
}
