/**
 * A short string a pattern matches, for diff's example packets: the policy
 * language's patterns (no backreferences, no lookaround) read with the least
 * of everything: the first alternative, the fewest repetitions, the first
 * character of a class. Returns undefined for what it does not read; the
 * caller checks the result with the runtime's own matcher either way.
 */
export function regexExample(source: string): string | undefined {
  const r = new Reader(source);
  try {
    const s = r.alternation();
    return r.done() ? s : undefined;
  } catch (e) {
    if (e instanceof Unsupported) return undefined;
    throw e;
  }
}

class Unsupported extends Error {}

/** Characters tried, in order, for a negated class or a class of escapes. */
const CANDIDATES = 'aA0 x_-.:/=\t';

class Reader {
  private i = 0;
  constructor(private readonly s: string) {}

  done(): boolean {
    return this.i >= this.s.length;
  }

  private peek(): string | undefined {
    return this.s[this.i];
  }

  alternation(): string {
    const first = this.sequence();
    let best = first;
    while (this.peek() === '|') {
      this.i++;
      const next = this.sequence();
      // an empty alternative matches nothing useful to show
      if (best === '' && next !== '') best = next;
    }
    return best;
  }

  private sequence(): string {
    let out = '';
    while (!this.done() && this.peek() !== '|' && this.peek() !== ')') {
      const atom = this.atom();
      out += this.quantified(atom);
    }
    return out;
  }

  private quantified(atom: string): string {
    const c = this.peek();
    let min = 1;
    if (c === '?' || c === '*') {
      this.i++;
      min = 0;
    } else if (c === '+') {
      this.i++;
    } else if (c === '{') {
      const m = /^\{(\d+)(,\d*)?\}/.exec(this.s.slice(this.i));
      if (!m) return atom;
      this.i += m[0].length;
      min = Number(m[1]);
    } else return atom;
    if (this.peek() === '?') this.i++;
    return atom.repeat(min);
  }

  private atom(): string {
    const c = this.s[this.i++];
    switch (c) {
      case '(': {
        if (this.s.startsWith('?:', this.i)) this.i += 2;
        else if (this.peek() === '?') throw new Unsupported();
        const inner = this.alternation();
        if (this.s[this.i++] !== ')') throw new Unsupported();
        return inner;
      }
      case '[':
        return this.cls();
      case '.':
        return 'a';
      case '^':
      case '$':
        return '';
      case '\\':
        return this.escape(false);
      default:
        return c;
    }
  }

  private escape(inClass: boolean): string {
    const c = this.s[this.i++];
    switch (c) {
      case 'd':
        return '0';
      case 'w':
        return 'a';
      case 's':
        return ' ';
      case 'D':
      case 'W':
        return c === 'D' ? 'a' : ' ';
      case 'S':
        return 'a';
      case 'b':
        if (inClass) return '\b';
        return '';
      case 'B':
        throw new Unsupported();
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 't':
        return '\t';
      case 'f':
        return '\f';
      case 'v':
        return '\v';
      case '0':
        return '\0';
      case 'x': {
        const h = this.s.slice(this.i, this.i + 2);
        if (!/^[0-9a-fA-F]{2}$/.test(h)) throw new Unsupported();
        this.i += 2;
        return String.fromCharCode(parseInt(h, 16));
      }
      case 'u':
      case 'p':
      case 'P':
      case 'k':
      case 'c':
        throw new Unsupported();
      case undefined:
        throw new Unsupported();
      default:
        if (/[1-9]/.test(c)) throw new Unsupported();
        return c;
    }
  }

  /** A character class: its first member, or for a negated one a common character it leaves out. */
  private cls(): string {
    const negated = this.peek() === '^';
    if (negated) this.i++;
    const members: [string, string][] = [];
    let first = true;
    while (!this.done() && (this.peek() !== ']' || first)) {
      first = false;
      let lo = this.s[this.i++];
      if (lo === '\\') lo = this.escape(true);
      let hi = lo;
      if (this.peek() === '-' && this.s[this.i + 1] !== ']' && this.s[this.i + 1] !== undefined) {
        this.i++;
        hi = this.s[this.i++];
        if (hi === '\\') hi = this.escape(true);
      }
      members.push([lo, hi]);
    }
    if (this.s[this.i++] !== ']') throw new Unsupported();
    const inside = (ch: string) => members.some(([a, b]) => ch >= a && ch <= b);
    if (!negated) {
      if (members.length === 0) throw new Unsupported();
      return members[0][0];
    }
    for (const ch of CANDIDATES) if (!inside(ch)) return ch;
    throw new Unsupported();
  }
}
