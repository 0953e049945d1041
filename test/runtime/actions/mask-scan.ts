import type { MaskTarget } from '../../../src/runtime/actions/mask-scanner.js';

/**
 * Runs a target over text cut into the given pieces (one scanner a
 * direction, as a TCP stream would feed it) and returns the text with the
 * reported spans filled with '*'. `other` text, when given, is fed to the
 * other direction piece by piece in turn with the first (a conversation).
 */
export function maskStream(t: MaskTarget, pieces: string[], ports?: number[]): string {
  return maskConversation(
    t,
    pieces.map((p) => [0, p] as [0 | 1, string]),
    ports,
  )[0];
}

/** A conversation: pieces with their direction, fed in order; the two streams as masked. */
export function maskConversation(t: MaskTarget, pieces: [0 | 1, string][], ports?: number[]): [string, string] {
  const shared = t.shared?.(ports);
  const text: string[] = ['', ''];
  const spans: [number, number][][] = [[], []];
  const scanners = [t.scanner(0, true, 0, shared), t.scanner(0, true, 1, shared)];
  for (const [dir, p] of pieces) {
    const bytes = Buffer.from(p, 'latin1');
    scanners[dir].write(bytes, 0, bytes.length, (s, e) => spans[dir].push([s, e]));
    text[dir] += p;
  }
  for (const dir of [0, 1]) scanners[dir].end((s, e) => spans[dir].push([s, e]));
  return text.map((x, dir) => {
    const b = Buffer.from(x, 'latin1');
    for (const [s, e] of spans[dir]) {
      if (s < 0 || e > b.length || s >= e) throw new Error(`bad span [${s}, ${e}) over ${b.length}`);
      b.fill('*', s, e);
    }
    return b.toString('latin1');
  }) as [string, string];
}

/** The same text masked one-shot (a UDP payload). */
export function maskOnce(t: MaskTarget, text: string): string {
  const b = Buffer.from(text, 'latin1');
  const spans: [number, number][] = [];
  t.scanOnce(b, 0, b.length, (s, e) => spans.push([s, e]));
  for (const [s, e] of spans) b.fill('*', s, e);
  return b.toString('latin1');
}

/** Every way of cutting `text` into pieces of `n` bytes. */
export const chunks = (text: string, n: number): string[] => {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += n) out.push(text.slice(i, i + n));
  return out;
};
