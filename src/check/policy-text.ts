/**
 * An included file's text, or why it is not a policy. Diagnostics show the
 * lines they point at, so a file that is not a policy must never be parsed:
 * `include "/proc/self/environ"` would print the environment, secrets and
 * all, as the source line of a syntax error. A policy is UTF-8 text without
 * NUL bytes whose first statement (after blank lines and comments) starts
 * with a statement keyword; anything else is refused without a word of its
 * content.
 */
export function includedPolicyText(bytes: Buffer): { text: string } | { notPolicy: string } {
  if (bytes.includes(0)) return { notPolicy: 'it holds NUL bytes, as binary files do' };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { notPolicy: 'it is not UTF-8 text' };
  }
  if (!startsLikeAPolicy(text))
    return {
      notPolicy: 'it does not start with a statement (policy, include, define, tap, group or rule)',
    };
  return { text };
}

/** Blank lines and comments, then a statement keyword (a whole word), a ';', or the end of the file. */
function startsLikeAPolicy(text: string): boolean {
  let i = 0;
  for (;;) {
    while (i < text.length && ' \t\r\n\f'.includes(text[i])) i++;
    if (text[i] !== '#') break;
    while (i < text.length && text[i] !== '\n' && text[i] !== '\r') i++;
  }
  return i === text.length || text[i] === ';' || STATEMENT_KEYWORD.test(text.slice(i, i + 8));
}

/** A keyword and what can follow it in a statement: a blank, a comment or a string (`group=x` is no statement). */
const STATEMENT_KEYWORD = /^(?:policy|include|define|tap|group|rule)(?:[ \t\r\n\f#"]|$)/;
