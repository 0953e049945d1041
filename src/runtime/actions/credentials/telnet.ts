/**
 * Telnet (RFC 854) login: the server prompts (`login:`, `Username:`,
 * `Password:`), the client types the answer, often one byte a segment, and
 * the server echoes what it may show (the user name, not the password).
 * What the client sends after a prompt, to the end of its line, is masked,
 * and so is what the server sends after its own prompt, to the end of that
 * line (its echo of the user name, whether or not the typing was read
 * first: the two directions' packets may come in either order, from two
 * tap ports or coalesced), and the server's echo of a user name wherever it
 * falls: the bytes it sends back that are the ones typed, in order (the
 * first other byte ends the echo).
 *
 * A session is taken for Telnet when either side uses port 23 or begins its
 * stream (seen from the SYN) with an option negotiation (IAC WILL/WONT/DO/DONT):
 * prompts elsewhere (an HTTP page saying "login:") mean nothing. Telnet
 * commands (IAC ...) are not data: never masked, never part of a prompt.
 */
import { latin1 } from './fields.js';

export const TELNET_PORTS: readonly number[] = [23];

export const IAC = 0xff;
export const SB = 0xfa;
export const SE = 0xf0;
export const WILL = 0xfb;
export const DONT = 0xfe;

/** A stream that begins with a negotiation (within this many bytes of its start) marks the session as Telnet. */
export const NEGOTIATION_WINDOW = 1;

export const PROMPT_NONE = 0;
export const PROMPT_USER = 1;
export const PROMPT_PASSWORD = 2;
/**
 * A line taken for a prompt on less evidence (credentials.ts Side.prompt): bytes of it were lost to the capture,
 * or the other side answered bytes of it not read. Answered as a password prompt is (masked, no echo looked for),
 * and the mask counted as undecided.
 */
export const PROMPT_GUESSED = 3;

const PASSWORD_WORDS = ['password', 'passcode', 'passphrase', 'pass phrase', 'passwort', 'pin'];
const USER_WORDS = ['login', 'username', 'user name', 'user', 'login name', 'login as', 'userid', 'user id'];
/** Lines that end like a user-name prompt but report, not ask ("Last login: Mon Dec  7 ... from ..."). */
const NOT_PROMPTS = ['last login'];

/**
 * Lines of one side's masked as answers (guessed, counted undecided) when
 * they were sent while the other side had sent nothing seen: a one-way tap
 * (asymmetric routing), or the other side's packets seconds late (two tap
 * ports, a clock behind) or under another tunnel id (GTP-U's TEID a
 * direction). A login and its password, retries included, before any
 * prompt could be read: SASL's bound when the server is unseen, the same.
 */
export const MAX_UNSEEN_LINES = 8;

/** Prompts a side may have shown that the other side has not answered yet (a line each): "login:" and "Password:" both ahead of the typing. */
export const MAX_PENDING_PROMPTS = 2;

const ESC = 0x1b;
const CSI_OPEN = 0x5b;
const COLON = 0x3a;
/** The end of some devices' prompts (`Enter Password>`, `Username>`), read as a colon is. */
const GT = 0x3e;

/**
 * Where an ANSI control sequence that ends tail[0, end) begins, or -1: a
 * styled prompt's reset or erase after its colon (`\x1b[0m`, `\x1b[K`),
 * which a terminal shows as nothing.
 */
function controlSequenceStart(tail: Uint8Array, end: number): number {
  if (end < 3) return -1;
  const f = tail[end - 1];
  if (f < 0x40 || f > 0x7e) return -1;
  let i = end - 2;
  while (i > 0 && tail[i] >= 0x20 && tail[i] <= 0x3f) i--;
  return tail[i] === CSI_OPEN && i > 0 && tail[i - 1] === ESC ? i - 1 : -1;
}

/** tail[0, end) as text but for its ANSI control sequences (ESC [, parameter and intermediate bytes, a final byte). */
function shown(tail: Uint8Array, end: number): string {
  if (tail.subarray(0, end).indexOf(ESC) < 0) return latin1(tail, 0, end);
  let text = '';
  for (let i = 0; i < end; i++) {
    if (tail[i] === ESC && i + 1 < end && tail[i + 1] === CSI_OPEN) {
      let j = i + 2;
      while (j < end && tail[j] >= 0x20 && tail[j] <= 0x3f) j++;
      if (j < end && tail[j] >= 0x40 && tail[j] <= 0x7e) {
        i = j;
        continue;
      }
    }
    text += String.fromCharCode(tail[i]);
  }
  return text;
}

/**
 * Where a line's tail ends but for the blanks and the control sequences
 * after it (a prompt's colon is the byte before).
 */
export function promptEnd(tail: Uint8Array, length: number): number {
  let end = length;
  for (;;) {
    while (end > 0 && (tail[end - 1] === 0x20 || tail[end - 1] === 0x09)) end--;
    const c = controlSequenceStart(tail, end);
    if (c < 0) return end;
    end = c;
  }
}

/**
 * What the end of the other side's current line asks for, if it is a
 * prompt: it ends with a colon or a `>` (spaces and control sequences after
 * it aside; a shell's or a router's `>` has no prompt words before it); PROMPT_PASSWORD when
 * a password word is on it ("Password for alice:"), PROMPT_USER when the
 * words before the colon are a user-name prompt ("login:", "Username:").
 */
export function promptOf(tail: Uint8Array, length: number): number {
  const end = promptEnd(tail, length);
  if (end === 0 || (tail[end - 1] !== COLON && tail[end - 1] !== GT)) return PROMPT_NONE;
  // its words as a terminal shows them: a styled prompt's control sequences (`\x1b[1;32mPassword`) are none
  const text = shown(tail, end - 1).trimEnd();
  if (NOT_PROMPTS.some((w) => text === w || text.endsWith(' ' + w))) return PROMPT_NONE;
  if (PASSWORD_WORDS.some((w) => new RegExp(`(?:^|[^a-z])${w}(?:[^a-z]|$)`).test(text))) return PROMPT_PASSWORD;
  if (USER_WORDS.some((w) => text === w || text.endsWith(' ' + w) || text.endsWith('\t' + w))) return PROMPT_USER;
  return PROMPT_NONE;
}
