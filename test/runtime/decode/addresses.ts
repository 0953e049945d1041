/** Text forms of the view's numeric addresses, for comparing with tshark and for readable test failures. */
import { ABSENT } from '../../../src/fields/fields.js';

export function ip4ToString(n: number): string {
  if (n === ABSENT) return '';
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function ip4FromString(s: string): number {
  const p = s.split('.').map(Number);
  return ((p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]) >>> 0;
}

/** Four 32-bit words of an IPv6 address in any RFC 5952-ish text form (with :: and dotted tails). */
export function ip6FromString(s: string): number[] {
  let text = s;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const n = ip4FromString(dotted[1]);
    text = text.slice(0, -dotted[1].length) + `${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const g = groups.map((x) => parseInt(x, 16));
  return [0, 1, 2, 3].map((i) => ((g[2 * i] << 16) | g[2 * i + 1]) >>> 0);
}

export function ip6ToString(w: readonly number[]): string {
  if (w[0] === ABSENT) return '';
  const g: string[] = [];
  for (const x of w) g.push((x >>> 16).toString(16), (x & 0xffff).toString(16));
  return g.join(':');
}

export function macToString(n: number): string {
  if (n === ABSENT) return '';
  return n
    .toString(16)
    .padStart(12, '0')
    .replace(/(..)(?!$)/g, '$1:');
}
