import type { LineRule } from './rules.js';

/**
 * IMAP (RFC 9051): `tag LOGIN user password`, the arguments quoted, atoms or
 * literals (`{5}` at the end of the line, the 5 bytes after it, and the line
 * going on after them): their bytes are masked, the quotes, the spaces and a
 * literal's `{5}` stay; `tag AUTHENTICATE mechanism
 * [initial-response]` then the client's SASL responses.
 */
export const IMAP_RULES: readonly LineRule[] = [
  { word: 2, keyword: 'login', delim: ' ', action: 'rest-literals', protocol: 'IMAP' },
  { word: 2, keyword: 'authenticate', delim: ' ', action: 'sasl', protocol: 'IMAP' },
];

const OPEN = 0x7b; // {
const CLOSE = 0x7d; // }
const PLUS = 0x2b;

/**
 * Follows an IMAP argument that starts with `{`, byte by byte: a literal's
 * announcement `{N}` or `{N+}` if the line break comes right after it.
 */
export class LiteralTail {
  private state = 0;
  private n = 0;

  reset(): void {
    this.state = 0;
    this.n = 0;
  }

  push(b: number): void {
    if (b === OPEN) {
      this.state = 1;
      this.n = 0;
    } else if (this.state === 1 && b >= 0x30 && b <= 0x39) {
      this.n = this.n * 10 + (b - 0x30);
      if (this.n > 1e9) this.state = 0;
    } else if (this.state === 1 && b === PLUS) this.state = 2;
    else if ((this.state === 1 || this.state === 2) && b === CLOSE) this.state = 3;
    else this.state = 0;
  }

  /** Whether the bytes pushed since `{` may still be an announcement. */
  get open(): boolean {
    return this.state !== 0;
  }

  /** The literal's length when the line ended right after `{N}`; -1 otherwise. */
  get announced(): number {
    return this.state === 3 ? this.n : -1;
  }
}
