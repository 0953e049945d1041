/**
 * Text from a policy (its lines, names and strings in messages, its file
 * name) must not drive the terminal it is shown on: an escape sequence in a
 * comment could set the title, clear the screen or print a fake "no problems"
 * under a real error; a bidi override could make the line shown read as
 * another (Trojan Source). As rustc and ESLint do, such characters are shown
 * as visible stand-ins: C0 controls and DEL as their Unicode control
 * pictures (one column, so carets stay aligned), C1 controls and the bidi
 * embeddings, overrides, isolates and marks as <U+XXXX>.
 */

/** C0 controls, DEL, C1 controls, and the invisible bidi formatting characters. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** How one unsafe character is shown. */
export function standIn(ch: string): string {
  const c = ch.charCodeAt(0);
  if (c < 0x20) return String.fromCharCode(0x2400 + c);
  if (c === 0x7f) return '\u2421';
  return `<U+${c.toString(16).toUpperCase().padStart(4, '0')}>`;
}

export function isUnsafe(ch: string): boolean {
  UNSAFE.lastIndex = 0;
  return UNSAFE.test(ch);
}

/**
 * `s` with every unsafe character shown by its stand-in; `keep` lists
 * controls to leave as they are (a tab in a message is only white space; the
 * GitHub format encodes line breaks itself).
 */
export function escapeForTerminal(s: string, keep = ''): string {
  return s.replace(UNSAFE, (ch) => (keep.includes(ch) ? ch : standIn(ch)));
}

/** Characters JSON.stringify leaves raw that a terminal acts on (DEL, C1) or that reorder text (bidi). */
const JSON_UNSAFE = /[\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * A JSON text with those characters written as \u escapes: the same data to
 * any JSON reader, nothing live for a terminal the report is printed on
 * (JSON.stringify already escapes C0). Only string contents can hold them.
 */
export function escapeJsonForTerminal(json: string): string {
  return json.replace(JSON_UNSAFE, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
