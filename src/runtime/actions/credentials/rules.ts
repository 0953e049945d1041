/**
 * How a line-start rule treats the rest of its line (credentials.ts runs them).
 * - `rest`: the bytes after the keyword's delimiter, to the end of the line,
 *   are the secret (FTP `PASS x`).
 * - `rest-words`: as `rest`, but the blanks between the words stay (POP3
 *   `APOP name digest`: a fixed number of arguments, none with a blank in it).
 * - `rest-literals`: IMAP's arguments to the end of the line, and literals
 *   announced at its end (`{5}`) with the line that goes on after them: the
 *   arguments' bytes are the secret, their syntax (spaces, quotes, `{5}`) stays.
 * - `sasl`: a SASL mechanism name follows; any initial response after it
 *   is the secret, and so is every line this side sends until the other
 *   side gives a final reply (credentials/sasl.ts).
 * - `header`: an HTTP authorization header: an optional scheme word stays,
 *   the credentials after it are the secret.
 * - `part`: a MIME part header; a form part named as a credential field has
 *   its value, after the blank line, masked.
 * - `chunked`: an HTTP `Transfer-Encoding` header: when its last coding is
 *   chunked, the body after the blank line is read de-chunked.
 * - `h2`: the client's HTTP/2 connection preface (`PRI * HTTP/2.0`): the
 *   rest of the direction is read as HTTP/2 frames (credentials/h2c.ts).
 */
export type LineAction = 'rest' | 'rest-words' | 'rest-literals' | 'sasl' | 'header' | 'part' | 'chunked' | 'h2';

/** A keyword at the start of a line: the `word`-th word (1 or 2: IMAP's commands follow a tag), lower case, ended by `delim`. */
export interface LineRule {
  readonly word: 1 | 2;
  readonly keyword: string;
  readonly delim: ' ' | ':';
  readonly action: LineAction;
  /** The protocol it comes from, for the docs. */
  readonly protocol: string;
}
