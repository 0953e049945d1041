import { giveBytes, takeBytes } from '../byte-pool.js';
import { type MaskScanner, type Report, type SegmentText } from '../mask-scanner.js';
import {
  C_BREAK,
  C_JUMP,
  C_NAME_BYTE,
  C_NAME_END,
  C_NAME_KEY,
  C_WORD_END,
  PAIR_1_AT,
  PAIR_2_AT,
  PAIR_2_NEXT_AT,
  LENGTH_TOP,
  setLengths,
  findClass,
  findWork,
  load,
  markClass,
  mayLine,
  plainLine,
  setTable,
  workLine,
} from '../mask-wasm.js';
import {
  FIELD_NONE,
  FORM_VALUE_END,
  JSON_BARE_END,
  KEY_LETTERS,
  MAX_FIELD_NAME,
  NAME_BYTE,
  fieldKind,
  latin1,
} from './fields.js';
import { FTP_RULES } from './ftp.js';
import { H2cReader } from './h2c.js';
import { CHUNKED, HTTP_RULES, MAX_CHUNK_SIZE, MAX_SCHEME, PART_NAME } from './http.js';
import { IMAP_RULES, LiteralTail } from './imap.js';
import { POP3_RULES } from './pop3.js';
import type { LineRule } from './rules.js';
import { MAX_SASL_LINES, isSaslContinuation } from './sasl.js';
import {
  DONT,
  IAC,
  MAX_PENDING_PROMPTS,
  MAX_UNSEEN_LINES,
  NEGOTIATION_WINDOW,
  PROMPT_GUESSED,
  PROMPT_NONE,
  PROMPT_PASSWORD,
  PROMPT_USER,
  SB,
  SE,
  TELNET_PORTS,
  WILL,
  promptEnd,
  promptOf,
} from './telnet.js';

/**
 * `mask credentials`: user names and passwords of clear-text protocols,
 * found by what surrounds them (a command, a header, a field name, a
 * prompt) and masked as they arrive. Only the secret is masked: the keyword
 * stays, so a tool still sees that a login happened.
 *
 * One scanner per direction of a session; what one side said (a prompt, a
 * SASL challenge) changes how the other side's bytes are read, through the
 * session's `CredentialSession`. Nothing depends on which side is the client,
 * so a session picked up without its SYN is read the same way. The scanner
 * decides each byte when it arrives, but for an authorization header's
 * first word (a scheme word stays, a bare token is the secret), which is
 * undecided for up to MAX_SCHEME bytes.
 */

const LINE_RULES: readonly LineRule[] = [...FTP_RULES, ...POP3_RULES, ...IMAP_RULES, ...HTTP_RULES];

const CR = 0x0d;
const LF = 0x0a;
const SPACE = 0x20;
const TAB = 0x09;
const COLON = 0x3a;
const QUOTE = 0x22;
const APOS = 0x27;
const EQUALS = 0x3d;
const LT = 0x3c;
const GT = 0x3e;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const COMMA = 0x2c;

/** Bytes of a line's start kept to read its command (a part header's name= needs more). */
const LINE_KEEP = 64;
const PART_LINE_KEEP = 256;
const TAIL_KEEP = 64;

// what the bytes being read are
const NONE = 0;
/** Masked to the end of the line. */
const REST = 1;
/** The line break before an IMAP literal: skip it, then LITERAL. */
const LITERAL_WAIT = 2;
const LITERAL = 3;
/** After `Authorization:`: a scheme word or a bare token. */
const SCHEME = 4;
/** After `AUTH `: the mechanism name. */
const SASL_MECH = 5;
const FORM = 6;
const JSON_STRING = 7;
const JSON_BARE = 8;
const XML = 9;
/** After a `<` in an XML value: `<![CDATA[` goes on with it (XML 1.0 2.7), any other tag ends it. */
const XML_LT = 11;
/** Inside `<![CDATA[...]]>` in an XML value: masked to the `]]>`. */
const XML_CDATA = 12;
/** What follows the `<` of a CDATA section. */
const CDATA_OPEN = Uint8Array.from('![CDATA[', (c) => c.charCodeAt(0));
const CLOSE_BRACKET = 0x5d;
/** After an authorization scheme word: token68 (masked whole) or auth-params (only their values masked). */
const CREDS = 10;
/** After a credential field's `=`: a quote opens a quoted value (an XML or HTML attribute), anything else is FORM's. */
const FORM_START = 13;
/** A quoted value after `=` (`<login password="...">`): masked to its closing quote (valueQuote) or the line's end. */
const FORM_QUOTED = 14;
const SLASH = 0x2f;

// an authorization header's line ended: a line that starts with a blank continues it (obs-fold, RFC 7230 3.2.4,
// which a server may read as one line)
const FOLD_NONE = 0;
/** The continuation line is masked from its first word to its end. */
const FOLD_REST = 1;
/** The header's auth-params go on (CREDS, its state kept): the continuation's names stay, its values are masked. */
const FOLD_CREDS = 2;
/** After `Transfer-Encoding:`: its codings, the last one compared with CHUNKED as it goes (teN). */
const TRANSFER_CODINGS = 15;
const CHUNKED_BYTES = Uint8Array.from(CHUNKED, (c) => c.charCodeAt(0));

// a chunked body's framing (RFC 9112 7.1): bytes passed over, not read as data (chunkLeft counts the size, then the
// data bytes left)
const CH_OFF = 0;
/** The chunk size's hex digits (line breaks before them passed too). */
const CH_SIZE = 1;
/** After them: an extension or the line break, to its LF. */
const CH_EXT = 2;
const CH_DATA = 3;
/** The line break after a chunk's data. */
const CH_DATA_END = 4;

// where CREDS stands: the first word is undecided (a parameter's name stays, token68 is the secret)
const C_START = 0;
const C_WORD = 1;
const C_WORD_BLANK = 2;
const C_EQUALS = 3;
// auth-params, decided: a value (its bytes masked), a separator, a name (stays)
const C_VALUE = 4;
const C_QUOTED = 5;
const C_QUOTED_ESCAPE = 6;
const C_TOKEN = 7;
const C_AFTER = 8;
const C_NAME = 9;

// where the field tokenizer stands (mode NONE)
const T_IDLE = 0;
const T_NAME = 1;
const T_AFTER_QUOTED = 2;
const T_AFTER_COLON = 3;
const T_TAG = 4;

/** What one side of a session shows the other. */
class Side {
  /** The last bytes of its current line (lower case, data only): a prompt, for Telnet. */
  tail: Uint8Array = NO_BYTES;
  tailLen = 0;
  /** Lines it still sends as SASL responses (masked). */
  sasl = 0;
  /**
   * What the other side typed after a user-name prompt and this side has not
   * echoed yet: its echo of them is masked, byte for byte as typed.
   */
  echo: Uint8Array = NO_BYTES;
  echoFrom = 0;
  echoTo = 0;
  /**
   * Prompts this side showed that the other side has not answered yet: the
   * other side's next lines answer them, whatever else this side sent
   * meanwhile (its echo, its next prompt: its packets may be read first).
   */
  prompts = 0;
  /**
   * Where in `tail` the prompt ends (its colon) that was answered or counted
   * in `prompts` already (-1: none): a later prompt on the same line ("login:
   * Password:" when nothing is echoed) is another.
   */
  takenAt = -1;
  /** The other side's answer to that prompt has ended (its line break read): the echo of it is known, byte for byte. */
  answerDone = false;
  /**
   * Bytes of the current line were lost to the capture (a gap, a snap cut), after its first `lostAt` bytes of
   * `tail`: a prompt's words may be among them ("assword: ", "Passw"), so the line is read as a prompt on less.
   */
  lost = false;
  lostAt = 0;
  /**
   * The other side answered bytes of this side's that were not read (they came too late, or never: mask.ts
   * waits for them, bounded): the line it begins next, or goes on with, answers a prompt that may be among them.
   */
  unread = false;
  unreadTo = -Infinity;
  /**
   * Where in this side's stream the bytes end that the other side answered before they were read (a guess taken
   * from `unread`): a prompt among them read late was answered already, it is not counted or answered again.
   */
  answeredTo = -Infinity;
  /** The stream offset of the last byte kept in `tail`. */
  tailAt = -1;
  /**
   * This side's bytes before this offset were sent while the other side was unseen (mask.ts: the client's, no
   * packet of the server's seen yet), and how many more of its lines begun there are masked for it (MAX_UNSEEN_LINES).
   */
  unseenTo = -Infinity;
  unseenLines = MAX_UNSEEN_LINES;

  /**
   * What the current line asks for (promptOf); with bytes lost in it, `lenient` (the other side begins a line
   * now), a line that ends with a colon, or has nothing but blanks after the lost bytes, is taken for a password
   * prompt: its answer masked, no echo looked for. Only a colon counts for this side's own line going on: the rest
   * of the line after a gap is masked anyway (mask.ts carries a credential on to the line's end).
   */
  prompt(lenient: boolean): number {
    const p = this.tailLen > 0 ? promptOf(this.tail, this.tailLen) : PROMPT_NONE;
    if (p !== PROMPT_NONE || !this.lost) return p;
    const end = promptEnd(this.tail, this.tailLen);
    if (end > 0 && this.tail[end - 1] === COLON) return PROMPT_GUESSED;
    return lenient && end <= this.lostAt ? PROMPT_GUESSED : PROMPT_NONE;
  }

  /**
   * The prompt a line of the other side's, begun now, answers (PROMPT_NONE if
   * none): the one this side's current line ends with (then `fromTail`), else
   * the oldest still unanswered.
   */
  answered(): number {
    this.fromTail = false;
    if (this.unread) {
      this.unread = false;
      this.answeredTo = this.unreadTo;
      this.fromTail = true;
      return PROMPT_GUESSED;
    }
    if (this.tailLen > 0 || this.lost) {
      const p = this.prompt(true);
      const at = promptEnd(this.tail, this.tailLen);
      if (p !== PROMPT_NONE && at !== this.takenAt) {
        this.takenAt = at;
        this.answerDone = false;
        // a prompt read after its answer was guessed: taken by that answer
        if (this.tailAt < this.answeredTo) this.answerDone = true;
        else {
          this.fromTail = true;
          return p;
        }
      }
    }
    if (this.prompts === 0) return PROMPT_NONE;
    this.prompts--;
    // its kind is not kept, and needs not be: this side's line went past that prompt, so what it sent after it (an
    // echo, masked to its line's end) is read already; the answer's bytes are no echo to look for (as a password's)
    return PROMPT_PASSWORD;
  }
  /** Whether the last answered() took the prompt this side's current line ends with. */
  fromTail = false;

  /** Makes this side what `new Side()` makes, keeping its buffers (CredentialSession.restart). */
  reset(): void {
    this.tailLen = 0;
    this.sasl = 0;
    this.echoFrom = 0;
    this.echoTo = 0;
    this.prompts = 0;
    this.takenAt = -1;
    this.answerDone = false;
    this.lost = false;
    this.lostAt = 0;
    this.unread = false;
    this.unreadTo = -Infinity;
    this.answeredTo = -Infinity;
    this.tailAt = -1;
    this.unseenTo = -Infinity;
    this.unseenLines = MAX_UNSEEN_LINES;
    this.fromTail = false;
  }

  /**
   * This side's current line goes on with a data byte but a blank, or ends:
   * whether that byte is (the start of) what answers or echoes a prompt of
   * this side's own not answered yet, or whose answer is still being typed.
   * A prompt nobody took yet is counted in `prompts`.
   */
  promptEnds(): boolean {
    if ((this.tailLen === 0 && !this.lost) || this.prompt(false) === PROMPT_NONE) return false;
    const at = promptEnd(this.tail, this.tailLen);
    if (at !== this.takenAt) {
      this.takenAt = at;
      this.answerDone = false;
      // (a prompt read after its answer was guessed is no other prompt to answer)
      if (this.prompts < MAX_PENDING_PROMPTS && this.tailAt >= this.answeredTo) this.prompts++;
      return true;
    }
    return !this.answerDone;
  }

  /** Notes a byte the other side typed, for this side's echo. */
  typed(b: number): void {
    // once this side's line went past the prompt, its echo (masked to the line's end) is read: none to look for
    if (this.takenAt < 0) return;
    if (this.echo === NO_BYTES) this.echo = new Uint8Array(TAIL_KEEP);
    if (this.echoTo === TAIL_KEEP) {
      if (this.echoFrom === 0) return;
      this.echo.copyWithin(0, this.echoFrom, this.echoTo);
      this.echoTo -= this.echoFrom;
      this.echoFrom = 0;
    }
    this.echo[this.echoTo++] = b;
  }

  /** Whether `b` is the echo of the next byte typed: consumed if so; any other byte ends the echo. */
  echoes(b: number): boolean {
    if (this.echoFrom < this.echoTo && this.echo[this.echoFrom] === b) {
      this.echoFrom++;
      return true;
    }
    this.echoFrom = this.echoTo = 0;
    return false;
  }
}

/** The state both directions of one session share. */
export class CredentialSession {
  readonly sides: [Side, Side] = [new Side(), new Side()];
  constructor(public telnet: boolean) {}

  /**
   * Makes this state what credentialSession(ports) makes: mask reuses an
   * ended session's for the next session it starts (the sides' buffers
   * kept). credentials-restart in mask-restart.test compares it with a new one.
   */
  restart(ports?: readonly number[]): void {
    this.telnet = isTelnet(ports);
    this.sides[0].reset();
    this.sides[1].reset();
  }
}

function isTelnet(ports?: readonly number[]): boolean {
  return ports !== undefined && ports.some((p) => TELNET_PORTS.includes(p));
}

export function credentialSession(ports?: readonly number[]): CredentialSession {
  return new CredentialSession(isTelnet(ports));
}

const NO_BYTES = new Uint8Array(0);

/** Bytes that change a quiet scanner's state (but for names): line breaks, IAC, an XML tag's `<`. */
const QUIET_STOP = new Uint8Array(256);
QUIET_STOP[CR] = QUIET_STOP[LF] = QUIET_STOP[IAC] = QUIET_STOP[LT] = 1;

/** What skip() stops at: QUIET_STOP, and `=` and quotes, which may end a field name. */
const TEXT_STOP = QUIET_STOP.slice();
TEXT_STOP[EQUALS] = TEXT_STOP[QUOTE] = TEXT_STOP[APOS] = 1;
/** ... and while a line's first two words are read, the space, tab or colon that may end a command. */
const LINE_STOP = TEXT_STOP.slice();
LINE_STOP[SPACE] = LINE_STOP[TAB] = LINE_STOP[COLON] = 1;
const LOWER = Uint8Array.from({ length: 256 }, (_, b) => (b >= 0x41 && b <= 0x5a ? b | 0x20 : b));

/**
 * Where an idle scanner (quiet(), its line's start read, no SASL exchange or
 * form part pending: `jumpable()`) has work again, found by the next-trigger
 * finder (mask-wasm.ts: WebAssembly over the segment copied into its memory,
 * a few instructions a byte, where a JavaScript loop costs 13 to 20 and the
 * native indexOf of each stop over the segment as a Latin-1 string, used
 * before, a string a segment and a search a line): the next byte of
 * TEXT_STOP but a line break (a field name may end there, a tag or an IAC
 * start) in the current line, else the line break before the first line
 * that holds such a byte, that may start with a command (mayCommand), or
 * that reaches the end of the segment. The bytes before it are what skip()
 * would go over, and whole lines of them leave the state as it was (see
 * jumpable()). The finder tells lines that may start with a command by the
 * first two bytes of their words (PAIR_1, PAIR_2, as mayCommand does) and
 * the first word's length (LENGTHS_1);
 * mayCommand() decides the few it stops at.
 */
const JUMP_STOPS = [EQUALS, QUOTE, APOS, LT, IAC];
markClass(C_JUMP, JUMP_STOPS);
/** JUMP_STOPS and line breaks, for clearLine without the finder. */
const JUMP_OR_BREAK = new Uint8Array(256);
for (const b of [...JUMP_STOPS, CR, LF]) JUMP_OR_BREAK[b] = 1;
markClass(C_BREAK, [CR, LF]);
// a tab ends a command word as a space does (ProFTPD splits `PASS<TAB>pw` at it: ruleDelim)
markClass(C_WORD_END, [SPACE, TAB, COLON, CR, LF]);
markClass(C_NAME_END, [EQUALS, QUOTE, APOS]);
markClass(
  C_NAME_KEY,
  Array.from(KEY_LETTERS + KEY_LETTERS.toUpperCase(), (c) => c.charCodeAt(0)),
);
markClass(
  C_NAME_BYTE,
  NAME_BYTE.reduce<number[]>((a, x, b) => (x === 1 ? [...a, b] : a), []),
);
/** From how many bytes left in a segment an idle scanner asks the finder (a call costs about a hundred instructions). */
const NATIVE_FROM = 64;
/** A write's delta before the segment is in the finder's memory. */
const NOT_LOADED = -(2 ** 30);
/** From how many bytes left skip() asks the finder for its next stop (nearer, the loop is cheaper than a call). */
const FIND_FROM = 32;
const NO_NAME = -1;
const NAME_GOES_ON = -2;

/** The quote before a name starting at bytes[from] (a JSON key, a quoted attribute), or 0. */
function nameQuoteAt(bytes: Uint8Array, from: number, start: number, prev: number): number {
  const q = from > start ? bytes[from - 1] : prev;
  return q === QUOTE || q === APOS ? q : 0;
}

const lower = (b: number) => (b >= 0x41 && b <= 0x5a ? b | 0x20 : b);

export class CredentialScanner implements MaskScanner {
  private pos: number;
  private start: number;
  private me: Side;
  private other: Side;
  private maskFrom = -1;
  /** XML_LT: how much of CDATA_OPEN followed the `<`; XML_CDATA: the `]` run just read. */
  private xmlN = 0;
  /**
   * In a credential element's start tag with attributes (`<wsse:Password Type="...">`, `<password xmlns="...">`):
   * its attributes are read as any others', and its `>` starts the element's value (XML); `/>` (an empty element)
   * or a `<` (no tag after all) ends it.
   */
  private xmlOpen = false;
  private mode = NONE;
  private prev = -1;
  private afterCR = false;
  // the line's start, for commands
  private lineStart = true;
  /** The line's first bytes, lower case: lent while they are being read (lineOn). */
  private line: Uint8Array = NO_BYTES;
  private lineLen = 0;
  /** The stream offset of its first byte. */
  private lineAt = -1;
  /** Its first four bytes, kept after the buffer goes: what a SASL reply is known by. */
  private head = 0;
  private lineKeep = LINE_KEEP;
  private lineOn = true;
  private words = 0;
  private wordStart = 0;
  private partLine = false;
  /** A form part named as a credential: 1 until its blank line, 2 for its value line. */
  private partPending = 0;
  // REST's variants
  private literals = false;
  /** The blanks between the words stay (APOP's name and digest): only the words are the secret. */
  private blanks = false;
  private readonly literalTail = new LiteralTail();
  private literalLeft = 0;
  // IMAP's arguments: only what is inside quotes, atoms and literals' contents is masked
  private argStart = false;
  private quoted = false;
  private argEscape = false;
  /** Where a literal's announcement `{N}` began while it may still be one (kept if the line ends after it). */
  private markFrom = -1;
  private saslAfter = false;
  private saslLine = false;
  private typedUser = false;
  /** The REST line is this side's own, after its prompt (Telnet). */
  private ownAnswer = false;
  /** The REST line answers the prompt the other side's line ends with (Telnet). */
  private answering = false;
  /** ... one taken on less evidence (PROMPT_GUESSED): its spans are reported undecided. */
  private guessed = false;
  private lead = false;
  // SCHEME
  private schemeStart = -1;
  private schemeLen = 0;
  // CREDS
  private creds = C_START;
  /** Where the first word after the scheme began while it is undecided. */
  private credsStart = -1;
  // fields
  private tok = T_IDLE;
  /** A field name being read: lent while it is (tok T_NAME or T_TAG). */
  private name: Uint8Array = NO_BYTES;
  private nameLen = 0;
  private nameQuote = 0;
  /**
   * The name under way began right after an `=` (T_NAME): an unquoted attribute's value (`name=password`, as HTML
   * minifiers write it), which a blank or `>` ends; step() reads it (quiet() is false), as skip() stops at no blank.
   */
  private afterEquals = false;
  private nameKind = FIELD_NONE;
  private escape = false;
  /** FORM_QUOTED: the quote that ends the value. */
  private valueQuote = 0;
  /** What a line starting with a blank is, after an authorization header's line (FOLD_*). */
  private fold = FOLD_NONE;
  /**
   * A quoted credential name was no JSON key: an attribute's value (`<input name="password"`, `type="password"`)
   * or a JSON string (`{"name": "password", "value": ...}`): a `value=` after it in the same tag (to the next `<`
   * or line break), or the next JSON key if it is `"value"`, is that field's value.
   */
  private attrValue = false;
  /** The quoted name just read is `value` after such a name (T_AFTER_QUOTED). */
  private valueKey = false;
  /** TRANSFER_CODINGS: the bytes of CHUNKED the current coding matched (-1: it is another), and whether it ended. */
  private teN = 0;
  private teEnd = false;
  /** A `Transfer-Encoding` ending in chunked was read: the body after the blank line is chunked. */
  private chunkNext = false;
  /** Where in a chunked body's framing the stream is (CH_*). */
  private chunk = CH_OFF;
  private chunkLeft = 0;
  private chunkDigits = 0;
  // Telnet commands
  private iac = 0;
  private iacAt = 0;
  /** Offset of the second IAC of an IAC IAC pair (a data byte 0xFF). */
  private escapedAt = -1;
  /** HTTP/2 in clear, after the client's preface: its header blocks' secrets (the lines are read on as well). */
  private h2: H2cReader | undefined = undefined;

  constructor(
    offset: number,
    atStart: boolean,
    dir: 0 | 1,
    private session: CredentialSession,
  ) {
    this.pos = offset;
    this.start = atStart ? offset : -Infinity;
    this.me = session.sides[dir];
    this.other = session.sides[dir === 0 ? 1 : 0];
  }

  /**
   * Makes this scanner what `new CredentialScanner(offset, atStart, dir,
   * session)` makes: mask reuses an ended direction's scanner for the next
   * direction it starts, instead of leaving a scanner of some fifty fields
   * a direction to the GC (they outlive the young generation). Every field
   * above is set here; credentials-restart.test compares a restarted scanner
   * with a new one, field by field, after traffic that sets each.
   */
  restart(offset: number, atStart: boolean, dir: 0 | 1, session: CredentialSession): void {
    this.pos = offset;
    this.start = atStart ? offset : -Infinity;
    this.session = session;
    this.me = session.sides[dir];
    this.other = session.sides[dir === 0 ? 1 : 0];
    this.maskFrom = -1;
    this.guessed = false;
    this.mode = NONE;
    this.prev = -1;
    this.afterCR = false;
    this.lineStart = true;
    if (this.line !== NO_BYTES) giveBytes(this.line);
    this.line = NO_BYTES;
    this.lineLen = 0;
    this.lineAt = -1;
    this.head = 0;
    this.lineKeep = LINE_KEEP;
    this.lineOn = true;
    this.words = 0;
    this.wordStart = 0;
    this.partLine = false;
    this.partPending = 0;
    this.literals = false;
    this.blanks = false;
    this.literalTail.reset();
    this.literalLeft = 0;
    this.argStart = false;
    this.quoted = false;
    this.argEscape = false;
    this.markFrom = -1;
    this.saslAfter = false;
    this.saslLine = false;
    this.typedUser = false;
    this.ownAnswer = false;
    this.answering = false;
    this.lead = false;
    this.schemeStart = -1;
    this.schemeLen = 0;
    this.creds = C_START;
    this.credsStart = -1;
    this.tok = T_IDLE;
    if (this.name !== NO_BYTES) giveBytes(this.name);
    this.name = NO_BYTES;
    this.nameLen = 0;
    this.nameQuote = 0;
    this.afterEquals = false;
    this.nameKind = FIELD_NONE;
    this.escape = false;
    this.valueQuote = 0;
    this.fold = FOLD_NONE;
    this.attrValue = false;
    this.valueKey = false;
    this.teN = 0;
    this.teEnd = false;
    this.chunkNext = false;
    this.chunk = CH_OFF;
    this.chunkLeft = 0;
    this.chunkDigits = 0;
    this.iac = 0;
    this.iacAt = 0;
    this.escapedAt = -1;
    this.xmlN = 0;
    this.xmlOpen = false;
    this.h2 = undefined;
  }

  /** From how many bytes left in a segment an idle scanner jumps to its next work (the tests vary it). */
  protected readonly nativeFrom: number = NATIVE_FROM;

  write(bytes: Uint8Array, from: number, to: number, report: Report, shared?: SegmentText): void {
    const base = this.pos - from;
    this.lines(bytes, from, to, report, shared);
    // HTTP/2: the frames from the preface on (it may have begun in these bytes), each byte decided as it is read
    const h2 = this.h2;
    if (h2 !== undefined) {
      h2.write(bytes, Math.max(from, h2.next - base), to, base, report);
      if (h2.dead) this.h2 = undefined;
    }
  }

  private lines(bytes: Uint8Array, from: number, to: number, report: Report, shared?: SegmentText): void {
    let i = this.chunk === CH_OFF ? this.data(bytes, from, to, report, shared) : from;
    // a chunked body: its data is read as one text, its framing passed over (delivered as it is, never masked)
    while (i < to) {
      if (this.chunk === CH_DATA) {
        const e = Math.min(to, i + this.chunkLeft);
        this.data(bytes, i, e, report, shared);
        this.chunkLeft -= e - i;
        if (this.chunkLeft === 0) this.chunk = CH_DATA_END;
        i = e;
      } else if (this.framing(bytes[i])) {
        this.pos++;
        i++;
        // a value masked up to the framing goes on after it
        if (this.maskFrom >= 0) this.maskFrom = this.pos;
      } else i = this.data(bytes, i, to, report, shared);
    }
  }

  /**
   * A byte of a chunked body's framing: true when it is one (passed over), false when the body is read as it lies
   * from this byte on (the last chunk read, or framing a receiver rejects: no chunk it could read is cut).
   */
  private framing(b: number): boolean {
    switch (this.chunk) {
      case CH_SIZE: {
        const d = hexDigit(b);
        if (d >= 0) {
          this.chunkLeft = this.chunkLeft * 16 + d;
          this.chunkDigits++;
          if (this.chunkLeft <= MAX_CHUNK_SIZE) return true;
        } else if (this.chunkDigits === 0 && (b === CR || b === LF)) return true;
        else if (this.chunkDigits > 0) {
          if (b === LF) this.chunkStart();
          else this.chunk = CH_EXT;
          return true;
        }
        break;
      }
      case CH_EXT:
        if (b === LF) this.chunkStart();
        return true;
      case CH_DATA_END:
        if (b === CR) return true;
        if (b === LF) {
          this.chunk = CH_SIZE;
          this.chunkLeft = this.chunkDigits = 0;
          return true;
        }
        break;
    }
    this.chunk = CH_OFF;
    return false;
  }

  /** A chunk size's line read: its data follows, or (size 0) the trailer and blank line, read as lines. */
  private chunkStart(): void {
    this.chunk = this.chunkLeft > 0 ? CH_DATA : CH_OFF;
  }

  /** write()'s bytes[from, to) as data; returns where it stopped: `to`, or after a chunked body's first framing byte. */
  private data(bytes: Uint8Array, from: number, to: number, report: Report, shared?: SegmentText): number {
    const base = this.pos - from;
    let delta = NOT_LOADED;
    let i = from;
    for (; i < to; i++) {
      if (this.quiet()) {
        if (to - i >= this.nativeFrom) {
          // the segment goes to the next-trigger finder's memory once a write
          if (delta === NOT_LOADED) delta = shared !== undefined ? shared.wasm() : load(bytes, from, to);
          if (this.jumpable()) {
            // bytes before the next work are what skip() would go over: the tokenizer's state at it is leave()'s
            i = this.leave(bytes, i, this.jump(bytes, i, to, delta, base), to);
            if (i === to) break;
          }
        }
        i = this.skip(bytes, i, to, delta, from);
        if (i === to) break;
      }
      this.step(bytes[i], base + i, report);
      // the blank line that ends a chunked message's header: its framing follows (write())
      if (this.chunk === CH_SIZE) {
        i++;
        break;
      }
    }
    this.pos = base + i;
    // a name read to its end gives its buffer back: idle streams hold none
    if (this.name !== NO_BYTES && this.tok !== T_NAME && this.tok !== T_TAG) {
      giveBytes(this.name);
      this.name = NO_BYTES;
    }
    if (this.maskFrom >= 0 && this.maskFrom < this.pos) {
      report(this.maskFrom, this.pos, this.guessed);
      this.maskFrom = this.pos;
    }
    return i;
  }

  /**
   * Whether the scanner reads plain text: no value under way, no command or
   * prompt to read, only field names to find. There a byte can change the
   * state only if it is in QUIET_STOP, starts a name or ends one: skip()
   * goes over the others in a tight loop, as step() would, without it.
   */
  protected quiet(): boolean {
    return (
      this.mode === NONE &&
      (this.tok === T_IDLE ? this.prev !== EQUALS : this.tok === T_NAME && !this.afterEquals) &&
      !this.xmlOpen &&
      this.iac === 0 &&
      !this.lineStart &&
      !this.session.telnet &&
      this.me.echoTo === 0
    );
  }

  /**
   * Whether, on top of quiet(), whole lines may be jumped over (nextWork()):
   * the line's start is read, and a line break then only ends a line (no
   * SASL exchange and no form part pending, which a line break or a line's
   * start would move on). A line break reached this way leaves the state a
   * line break leaves in text: lineStart, no name, and that state's lines
   * without a stop or command leave it as it is.
   */
  private jumpable(): boolean {
    return !this.lineOn && this.me.sasl === 0 && this.other.sasl === 0 && this.partPending === 0 && !this.chunkNext;
  }

  /**
   * What step() does to bytes[i, to) in the quiet state (mode NONE, tokenizer
   * idle or in a name), up to the first byte that does more: a line break,
   * an IAC, `<`, a byte that ends a field name, or a space or colon where a
   * line's command may end. Returns that byte's index.
   *
   * Field names are not followed forwards: at an `=` or a quote (which may
   * end one) and where the loop stops, the name under way, if any, is read
   * backwards (nameBefore): the run of name bytes before that byte, if the
   * run starts after a byte that is not a name byte, as field() starts
   * names. A run reaching back to the loop's start continues the state the
   * loop began in. While a line's start is kept, its bytes are copied (lower
   * case) up to LINE_KEEP; past that, only the bytes in TEXT_STOP are looked at.
   */
  private skip(bytes: Uint8Array, i: number, to: number, delta: number, from: number): number {
    const start = i;
    const wasOn = this.lineOn;
    // the line's first byte was just stepped: a line that no command can start is not read (see clearLine)
    // (the segment's last line too, when the finder has it: clearLine asks it)
    if (
      this.lineOn &&
      i > from &&
      this.lineAt === this.pos - from + i - 1 &&
      (to - i >= this.nativeFrom || delta !== NOT_LOADED)
    )
      this.clearLine(bytes, i - 1, to, delta);
    if (this.lineOn) {
      const stops = this.words < 2 ? LINE_STOP : TEXT_STOP;
      const line = this.line;
      const keep = this.lineKeep;
      let n = this.lineLen;
      let off = false;
      while (i < to) {
        const b = bytes[i];
        if (stops[b] !== 0) {
          if (QUIET_STOP[b] === 1) break;
          if (b === EQUALS || b === QUOTE || b === APOS) {
            if (this.endsName(bytes, start, i, b)) break;
          } else if (n < keep) break; // a space or colon where a command may end
        }
        if (n >= keep) {
          off = true;
          break;
        }
        // the line's first four bytes are its head (a SASL reply's), as step() keeps it
        if (n < 4) this.head |= LOWER[b] << (8 * (3 - n));
        line[n++] = LOWER[b];
        i++;
      }
      this.lineLen = n;
      if (!off) return this.leave(bytes, start, i, to);
      // the line's start is read: nothing reads the rest of it
      this.lineOff();
    }
    // the line's start read here (cleared or copied): the rest is jumped as write() jumps it, not read line by line
    // to each break (a text body's lines then each cost a return, step() of the break and the next line's first
    // byte and clearLine); write() has asked the finder already when the line's start was read before
    if (wasOn && delta !== NOT_LOADED && to - i >= this.nativeFrom && this.jumpable())
      return this.leave(bytes, start, this.jump(bytes, i, to, delta, this.pos - from), to);
    for (;;) {
      const stop = TEXT_STOP;
      // the segment in the finder's memory: it finds the next stop (C_JUMP | C_BREAK is TEXT_STOP)
      if (delta !== NOT_LOADED && to - i >= FIND_FROM) i = findClass(i, to, C_JUMP | C_BREAK, delta);
      else {
        // four bytes a test where none stops (V8 runs a loop at ~20 instructions a turn)
        while (i + 3 < to && (stop[bytes[i]] | stop[bytes[i + 1]] | stop[bytes[i + 2]] | stop[bytes[i + 3]]) === 0)
          i += 4;
        while (i < to && stop[bytes[i]] === 0) i++;
      }
      if (i === to) break;
      const b = bytes[i];
      if (QUIET_STOP[b] === 1 || this.endsName(bytes, start, i, b)) break;
      i++;
    }
    return this.leave(bytes, start, i, to);
  }

  /**
   * The line starting at bytes[s] (its first byte stepped, the rest not):
   * when no command can start it (mayCommand: a word cut by the segment's
   * end that may still be a command is taken as one; a second word whose
   * first two bytes are no command's is none, however it goes on), and its
   * first four bytes lie in the segment, its start needs no reading: what reading it would keep but the commands
   * is its head (its first four bytes, for a SASL reply) and that count,
   * kept here, and the rest of it is text (lineOff). Reading it byte by byte
   * (skip()'s copy of up to LINE_KEEP bytes, a space or colon a stop) was
   * most of the cost of binary bodies, whose random line breaks make a line
   * every 128 bytes. An IAC in its first four bytes (a Telnet command in
   * the negotiation window is no data) leaves it to be read.
   */
  private clearLine(bytes: Uint8Array, s: number, to: number, delta: number): void {
    // the segment's last line too (the finder enters it as well: mask-wasm.ts clearedLine), once its head is in it
    if (this.lineLen !== 1 || this.words !== 0 || this.partLine || to - s < 4) return;
    // a field's value among its first bytes is not read into the line (step() skips it): the words after it may
    // still make a command, which mayCommand (the bytes as they lie) does not see; such a line is read. A value
    // starts only after a credential field's name or tag, which holds a key letter (fields.ts): the finder passes
    // the stops of other names, IAC and the rest (plain); without it any stop leaves the line to be read. What
    // step() does at a passed stop (a name or tag ended, no value) the text loop does as well.
    const e = s + LINE_KEEP < to ? s + LINE_KEEP : to;
    if (delta !== NOT_LOADED) {
      if (!plainLine(s, e, to, delta)) return;
    } else {
      let q = s;
      while (q < e && JUMP_OR_BREAK[bytes[q]] === 0) q++;
      if (q < e && bytes[q] !== CR && bytes[q] !== LF) return;
    }
    // the finder clears most lines (its test is a superset of mayCommand's), a call and a few instructions a byte
    if (delta !== NOT_LOADED && mayLine(s, to, LINE_KEEP, delta) && mayCommand(bytes, s, to)) return;
    let head = 0;
    let n = 0;
    for (; n < 4; n++) {
      const b = bytes[s + n];
      if (b === CR || b === LF) break;
      if (b === IAC) return;
      head |= LOWER[b] << (8 * (3 - n));
    }
    if (delta === NOT_LOADED && mayCommand(bytes, s, to)) return;
    this.head = head;
    this.lineLen = n;
    this.lineOff();
  }

  /**
   * Where a quiet, jumpable scanner at bytes[i] has work again (nextWork); when the finder answers inside a later
   * line it cleared, that line's start is taken as read here (enterLine). The caller's leave() reads the bytes
   * before the answer.
   */
  private jump(bytes: Uint8Array, i: number, to: number, delta: number, base: number): number {
    // past the stream's negotiation window an IAC is data to a quiet scanner (no Telnet): text
    const q = nextWork(bytes, to, i, delta, this.start + NEGOTIATION_WINDOW - base);
    const s = workLine(delta);
    if (s < 0) return q;
    // q is a stop in a later line that clearLine clears (or `to`, the line the segment's last): its start is taken
    // as read (skip() asks clearLine for such a line whenever the finder has the segment)
    this.enterLine(bytes, s, base);
    return q;
  }

  /**
   * The state stepping the line break before bytes[s] (a jumpable scanner: no SASL exchange or form part pending,
   * the line's start read), then the line's first byte (no stop, break, space, colon or NUL), then clearLine,
   * leaves: the line ended (endLine), a new one started (newLine) and given up as read, with its head (its first
   * four bytes, lower case, up to a break) and that count. The findWork answer that leads here has checked what
   * clearLine checks (mask-wasm.ts clearedLine); the bytes after the first are leave()'s (the break before them
   * ends any name). Stepping these bytes cost a return to JavaScript a line (step() of the break and the first
   * byte, skip(), clearLine's two module calls), and every line of a binary body holds a stop.
   */
  private enterLine(bytes: Uint8Array, s: number, base: number): void {
    this.lineOff();
    this.lineStart = false;
    this.afterCR = bytes[s - 1] === CR;
    this.partLine = false;
    this.lineAt = base + s;
    this.lineKeep = LINE_KEEP;
    this.words = 0;
    this.wordStart = 0;
    this.tok = T_IDLE;
    this.attrValue = false;
    this.prev = bytes[s - 1];
    let head = 0;
    let n = 0;
    for (; n < 4; n++) {
      const b = bytes[s + n];
      if (b === CR || b === LF) break;
      head |= LOWER[b] << (8 * (3 - n));
    }
    this.head = head;
    this.lineLen = n;
  }

  /** Whether `b` (an `=` or a quote) at bytes[i] ends the field name under way there (as field() reads it). */
  private endsName(bytes: Uint8Array, start: number, i: number, b: number): boolean {
    const from = this.nameBefore(bytes, start, i);
    if (from === NO_NAME) return false;
    if (b === EQUALS) return true;
    const quote = from === NAME_GOES_ON ? this.nameQuote : nameQuoteAt(bytes, from, start, this.prev);
    return b === quote;
  }

  /** skip() stops at bytes[i]: the tokenizer's state there (the name under way, the byte before). */
  private leave(bytes: Uint8Array, start: number, i: number, to: number): number {
    if (i > start) {
      // a line break ends the line, and with it any name (endLine): no need to read it
      const from = i < to && (bytes[i] === LF || bytes[i] === CR) ? NO_NAME : this.nameBefore(bytes, start, i);
      if (from === NO_NAME) this.tok = T_IDLE;
      else {
        // the name goes on at the stop: its bytes so far, lower case, as field() keeps them
        if (this.name === NO_BYTES) this.name = takeBytes(MAX_FIELD_NAME);
        let n = 0;
        let k = from;
        if (from === NAME_GOES_ON) {
          n = this.nameLen;
          k = start;
        } else {
          this.nameQuote = nameQuoteAt(bytes, from, start, this.prev);
          // skip() runs only where no name starts right after an `=` (quiet())
          this.afterEquals = false;
        }
        const name = this.name;
        for (; k < i; k++) {
          const c = bytes[k];
          if (n < MAX_FIELD_NAME) name[n++] = c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
          else n = MAX_FIELD_NAME + 1;
        }
        this.nameLen = n;
        this.tok = T_NAME;
      }
      this.prev = bytes[i - 1];
    }
    return i;
  }

  /**
   * The field name that bytes[start, i) leave under way, the loop having
   * begun at `start` in the scanner's state: NO_NAME, NAME_GOES_ON (the one
   * under way at `start` goes on to `i`), or the index where it starts.
   */
  private nameBefore(bytes: Uint8Array, start: number, i: number): number {
    let k = i;
    while (k > start && NAME_BYTE[bytes[k - 1]] === 1) k--;
    if (k > start) return k < i ? k : NO_NAME;
    // the run reaches back to the start: the state the loop began in decides
    if (this.tok === T_NAME) return NAME_GOES_ON;
    if (k === i || (this.prev >= 0 && NAME_BYTE[this.prev] === 1)) return NO_NAME;
    return start;
  }

  /** Telnet: a line is read by the other side's prompt before it (mask.ts holds a segment that answers bytes not read). */
  answers(): boolean {
    return this.session.telnet;
  }

  unanswered(upTo: number): void {
    // a line begun now (or going on outside an answer) may answer a prompt among the bytes not read
    if (this.mode !== NONE) return;
    this.other.unread = true;
    this.other.unreadTo = upTo;
  }

  /**
   * Nothing read reaches past this line (mask.ts forgets an idle session only then): no value or command under way,
   * no SASL exchange (either side), form part, Telnet session or echo pending.
   */
  resting(): boolean {
    return (
      this.mode === NONE &&
      !this.saslAfter &&
      this.me.sasl === 0 &&
      this.other.sasl === 0 &&
      this.partPending === 0 &&
      this.iac === 0 &&
      !this.session.telnet &&
      this.me.echoTo === 0 &&
      this.h2 === undefined
    );
  }

  urgentInline(): boolean {
    return this.session.telnet;
  }

  unseen(upTo: number): void {
    if (upTo > this.me.unseenTo) this.me.unseenTo = upTo;
  }

  undecidedFrom(): number {
    if (this.mode === SCHEME && this.schemeStart >= 0) return this.schemeStart;
    if (this.mode === CREDS && this.credsStart >= 0) return this.credsStart;
    if (this.mode === REST && this.markFrom >= 0) return this.markFrom;
    if (this.mode === XML_CDATA && this.xmlN > 0) return this.pos - this.xmlN;
    // an IAC at the end: the IAC IAC of a 0xFF data byte, which a secret masks whole
    if (this.iac === 1) return this.iacAt;
    return this.pos;
  }

  end(report: Report): void {
    this.decide(this.pos, report);
  }

  decide(offset: number, report: Report): void {
    if (this.h2 !== undefined) {
      this.h2.gap(offset);
      if (this.h2.dead) this.h2 = undefined;
    }
    if (this.mode === SCHEME && this.schemeStart >= 0) report(this.schemeStart, this.pos);
    if (this.mode === CREDS) {
      // undecided when the bytes must go: masked; after lost bytes the parameters' syntax is unknown: the rest too
      if (this.credsStart >= 0) report(this.credsStart, this.pos);
      this.credsStart = -1;
      this.rest(false);
      this.lead = false;
    }
    if (this.markFrom >= 0) {
      // undecided when the bytes must go: masked
      report(this.markFrom, this.pos);
      this.markFrom = -1;
    }
    this.close(this.pos, report);
    if (this.mode === SCHEME || this.mode === SASL_MECH) this.mode = NONE;
    if (offset !== this.pos) {
      // bytes lost: a value under way stays masked after the gap, anything else starts over at a line
      this.tok = T_IDLE;
      // a prompt may be among them (Telnet): this side's line is read as one on less evidence (Side.prompt)
      this.me.lost = true;
      this.me.lostAt = this.me.tailLen;
      if (this.mode === NONE) this.lineOff();
      // a chunk's data may go on past the lost bytes; lost framing is not known: the rest is read as it lies
      if (this.chunk === CH_DATA && offset - this.pos < this.chunkLeft) this.chunkLeft -= offset - this.pos;
      else this.chunk = CH_OFF;
      this.pos = offset;
    }
  }

  private mask(at: number): void {
    // a data byte 0xFF is sent as IAC IAC: both bytes are masked
    if (this.maskFrom < 0) this.maskFrom = this.escapedAt === at ? at - 1 : at;
  }

  private close(at: number, report: Report): void {
    if (this.maskFrom >= 0) {
      if (at > this.maskFrom) report(this.maskFrom, at, this.guessed);
      this.maskFrom = -1;
    }
  }

  private step(b: number, at: number, report: Report): void {
    const s = this.session;
    // Telnet commands are not data
    if (this.iac !== 0 || (b === IAC && (s.telnet || at < this.start + NEGOTIATION_WINDOW))) {
      if (!this.telnetCommand(b, at, report)) return;
    }
    const eol = b === CR || b === LF;
    const afterPrompt = s.telnet && this.telnetData(b, eol, at);
    switch (this.mode) {
      case REST:
        if (eol) {
          if (this.markFrom >= 0) this.endMark(at, report);
          this.close(at, report);
          this.endRest(b);
          this.prev = b;
          return;
        }
        if (this.literals) {
          this.imapArgument(b, at, report);
          this.prev = b;
          return;
        }
        if (this.lead) {
          // white space before the secret stays
          if (b === SPACE || b === TAB) return;
          this.lead = false;
        }
        if (this.blanks && (b === SPACE || b === TAB)) {
          this.close(at, report);
          this.prev = b;
          return;
        }
        this.mask(at);
        if (this.typedUser) this.other.typed(b);
        this.prev = b;
        return;
      case LITERAL_WAIT:
      case LITERAL:
        if (this.mode === LITERAL_WAIT) {
          if (b === LF) return;
          this.mode = LITERAL;
        }
        this.mask(at);
        if (--this.literalLeft <= 0) {
          this.mode = REST;
          this.literalTail.reset();
          this.argStart = this.quoted = this.argEscape = false;
        }
        return;
      case SCHEME:
        if (this.schemeStart < 0) {
          if (b === SPACE || b === TAB) return;
          if (eol) {
            this.mode = NONE;
            break;
          }
          this.schemeStart = at;
          this.schemeLen = 1;
          return;
        }
        if (b === SPACE || b === TAB) {
          // a scheme word: what follows it is the secret (token68), or the values of its parameters
          this.mode = CREDS;
          this.creds = C_START;
          this.credsStart = -1;
          this.schemeStart = -1;
          return;
        }
        if (eol) {
          // a bare token: the token is the secret
          report(this.schemeStart, at);
          this.schemeStart = -1;
          this.mode = NONE;
          break;
        }
        if (this.schemeLen < MAX_SCHEME && isSchemeByte(b)) {
          this.schemeLen++;
          return;
        }
        report(this.schemeStart, at);
        this.schemeStart = -1;
        this.rest(false);
        this.lead = false;
        this.mask(at);
        return;
      case CREDS:
        if (eol) {
          if (this.credsStart >= 0) {
            // a single word, padded or not: token68, the secret
            report(this.credsStart, at);
            this.credsStart = -1;
          }
          // between or inside auth-params a continuation goes on with them; in an undecided word it is masked whole
          this.fold = this.creds >= C_VALUE ? FOLD_CREDS : FOLD_REST;
          this.close(at, report);
          this.mode = NONE;
          break;
        }
        this.credentials(b, at, report);
        return;
      case SASL_MECH:
        if (eol) {
          this.me.sasl = MAX_SASL_LINES;
          this.mode = NONE;
          break;
        }
        if (b === SPACE) {
          this.rest(false);
          this.saslAfter = true;
        }
        return;
      case TRANSFER_CODINGS:
        if (eol) {
          // the last coding named is the one the body is sent in
          this.chunkNext = this.teN === CHUNKED_BYTES.length;
          this.mode = NONE;
          break;
        }
        if (b === SPACE || b === TAB || b === COMMA) this.teEnd = true;
        else {
          if (this.teEnd) {
            this.teN = 0;
            this.teEnd = false;
          }
          const n = this.teN;
          this.teN = n >= 0 && n < CHUNKED_BYTES.length && lower(b) === CHUNKED_BYTES[n] ? n + 1 : -1;
        }
        return;
      case FORM_START:
        if (b === QUOTE || b === APOS) {
          this.mode = FORM_QUOTED;
          this.valueQuote = b;
          return;
        }
        // the value's first byte, as FORM reads it
        if (FORM_VALUE_END[b] === 0) {
          this.mode = FORM;
          this.mask(at);
          return;
        }
        this.mode = NONE;
        break;
      case FORM:
        if (FORM_VALUE_END[b] === 0) {
          this.mask(at);
          return;
        }
        this.close(at, report);
        this.mode = NONE;
        break;
      case FORM_QUOTED:
        if (b !== this.valueQuote && !eol) {
          this.mask(at);
          return;
        }
        this.close(at, report);
        this.mode = NONE;
        if (eol) break;
        this.prev = b;
        return;
      case JSON_STRING:
        if (this.escape) this.escape = false;
        else if (b === BACKSLASH) this.escape = true;
        else if (b === QUOTE || eol) {
          this.close(at, report);
          this.mode = NONE;
          if (eol) break;
          this.prev = b;
          return;
        }
        this.mask(at);
        return;
      case JSON_BARE:
        if (JSON_BARE_END[b] === 0) {
          this.mask(at);
          return;
        }
        this.close(at, report);
        this.mode = NONE;
        break;
      case XML:
        if (b !== LT) {
          this.mask(at);
          return;
        }
        this.close(at, report);
        this.xmlN = 0;
        this.mode = XML_LT;
        return;
      case XML_LT:
        if (b === CDATA_OPEN[this.xmlN]) {
          if (++this.xmlN === CDATA_OPEN.length) {
            this.mode = XML_CDATA;
            this.xmlN = 0;
          }
          return;
        }
        // another tag: the value ended at its `<`, and this byte is the tag's
        this.mode = NONE;
        this.tok = T_TAG;
        if (this.name === NO_BYTES) this.name = takeBytes(MAX_FIELD_NAME);
        this.nameLen = 0;
        break;
      case XML_CDATA:
        // a `]` run is undecided (undecidedFrom) until what follows it: `>` after two ends the section, which stays
        if (b === CLOSE_BRACKET) {
          this.close(at, report);
          this.xmlN++;
          return;
        }
        if (b === GT && this.xmlN >= 2) {
          if (this.xmlN > 2) report(at - this.xmlN, at - 2);
          this.xmlN = 0;
          this.mode = XML;
          return;
        }
        if (this.xmlN > 0) this.maskFrom = at - this.xmlN;
        this.xmlN = 0;
        this.mask(at);
        return;
    }
    // mode NONE
    if (afterPrompt) {
      // what this side sends after its own prompt, to its line's end, is the answer's echo (or what stands for
      // it): masked on this side's evidence, whether or not the other side's typing was read first
      this.rest(false);
      this.ownAnswer = true;
      this.lineStart = false;
      this.lineOff();
      this.mask(at);
      return;
    }
    if (this.me.echoTo > 0 && this.me.echoes(b)) {
      this.mask(at);
      this.close(at + 1, report);
      this.prev = b;
      return;
    }
    // a line (or the rest of one) begun after the other side's prompt answers it; a CR's LF or NUL begins none
    if (s.telnet && b !== 0 && !(b === LF && this.lineStart && this.afterCR)) {
      let p = this.other.answered();
      // a line begun while the other side was unseen (a one-way tap, its packets late): it may answer a prompt that
      // is never read first (a login, a password), so it is masked as such, for a few lines (MAX_UNSEEN_LINES)
      if (p === PROMPT_NONE && !eol && this.lineStart && at < this.me.unseenTo && this.me.unseenLines > 0) {
        this.me.unseenLines--;
        p = PROMPT_GUESSED;
      }
      // an empty answer (a line break) takes the prompt too, and is all of it
      if (p !== PROMPT_NONE && eol && this.other.fromTail) this.other.answerDone = true;
      if (p !== PROMPT_NONE && !eol) {
        this.rest(false);
        this.answering = this.other.fromTail;
        this.guessed = p === PROMPT_GUESSED;
        this.typedUser = p === PROMPT_USER;
        this.lineStart = false;
        this.lineOff();
        this.mask(at);
        if (this.typedUser) this.other.typed(b);
        return;
      }
    }
    if (this.lineStart) {
      if ((b === LF || b === 0) && this.afterCR) {
        this.afterCR = false;
        return;
      }
      if (this.fold !== FOLD_NONE) {
        if (b === SPACE || b === TAB) {
          // a folded authorization header: the credentials go on; the blanks that fold it stay
          this.lineStart = false;
          this.lineOff();
          if (this.fold === FOLD_CREDS) {
            this.mode = CREDS;
            if (this.creds === C_QUOTED_ESCAPE) this.creds = C_QUOTED;
            // a token value ended at the line break: what follows it is after it
            else if (this.creds === C_TOKEN) this.creds = C_AFTER;
          } else this.rest(false);
          return;
        }
        this.fold = FOLD_NONE;
      }
      this.newLine();
      this.lineAt = at;
      if (eol) {
        // an empty line: a form part's headers end here
        if (this.partPending === 1) this.partPending = 2;
        this.endLine(b);
        if (this.chunkNext && this.chunk === CH_OFF) {
          // a chunked message's header ends: its body's framing follows (its LF too); its data starts a line
          this.chunkNext = false;
          this.chunk = CH_SIZE;
          this.chunkLeft = this.chunkDigits = 0;
          this.afterCR = false;
        }
        return;
      }
      if (this.me.sasl > 0 || this.partPending === 2) {
        this.saslLine = this.me.sasl > 0;
        if (this.partPending === 2) this.partPending = 0;
        this.rest(false);
        this.lineOff();
        this.mask(at);
        return;
      }
    }
    if (eol) {
      this.endLine(b);
      return;
    }
    if (this.lineOn) {
      if (this.lineLen < this.lineKeep) {
        if (this.lineLen < 4) this.head |= lower(b) << (8 * (3 - this.lineLen));
        this.line[this.lineLen++] = lower(b);
        if ((b === SPACE || b === TAB || b === COLON) && this.words < 2) this.lineWord(b);
        if (this.mode !== NONE) {
          this.prev = b;
          return;
        }
        // its commands are read and its head kept: the rest of the line is only text
        if (this.words >= 2 && !this.partLine && this.lineLen >= 4) this.lineOff();
      } else this.lineOff();
    }
    this.field(b, at);
    this.prev = b;
  }

  /** A Telnet command byte (IAC ...): true when the byte is data after all (IAC IAC). */
  private telnetCommand(b: number, at: number, report: Report): boolean {
    switch (this.iac) {
      case 0:
        // an IAC: a masked run stops before it, goes on after
        this.close(at, report);
        this.iac = 1;
        this.iacAt = at;
        return false;
      case 1:
        if (b === IAC) {
          this.iac = 0;
          this.escapedAt = at;
          return true;
        }
        if (b >= WILL && b <= DONT) {
          this.session.telnet = true;
          this.iac = 2;
        } else this.iac = b === SB ? 3 : 0;
        return false;
      case 2:
        this.iac = 0;
        return false;
      case 3:
        if (b === IAC) this.iac = 4;
        return false;
      default:
        this.iac = b === SE ? 0 : 3;
        return false;
    }
  }

  /** Keeps the end of this side's current line, where a prompt would be. */
  /**
   * Keeps the end of this side's current line, where a prompt would be, and
   * counts a prompt it ends (a line break, or a byte but a blank after it):
   * true when `b` is data after a prompt of this side's own.
   */
  private telnetData(b: number, eol: boolean, at: number): boolean {
    const me = this.me;
    if (eol) {
      if (me.tailLen > 0 || me.lost) me.promptEnds();
      me.tailLen = 0;
      me.takenAt = -1;
      me.lost = false;
      return false;
    }
    if (b === 0) return false;
    const afterPrompt = b !== SPACE && b !== TAB && (me.tailLen > 0 || me.lost) && me.promptEnds();
    if (me.tail === NO_BYTES) me.tail = new Uint8Array(TAIL_KEEP);
    if (me.tailLen === TAIL_KEEP) {
      me.tail.copyWithin(0, 1);
      me.tailLen--;
      // (a prompt taken stays taken while its line goes on: -1 is for a line with none)
      if (me.takenAt > 0) me.takenAt--;
      if (me.lostAt > 0) me.lostAt--;
    }
    me.tail[me.tailLen++] = lower(b);
    me.tailAt = at;
    return afterPrompt;
  }

  private newLine(): void {
    this.lineStart = false;
    this.lineLen = 0;
    this.head = 0;
    this.lineKeep = LINE_KEEP;
    this.lineOn = true;
    if (this.line === NO_BYTES) this.line = takeBytes(LINE_KEEP);
    this.words = 0;
    this.wordStart = 0;
    this.partLine = false;
    // (a JSON key's colon at the last line's end: its value may start here, endLine())
    if (this.tok !== T_AFTER_COLON) this.tok = T_IDLE;
  }

  /** The line's start is read: its buffer goes back. */
  private lineOff(): void {
    this.lineOn = false;
    if (this.line !== NO_BYTES) {
      giveBytes(this.line);
      this.line = NO_BYTES;
    }
  }

  /** A word of the line's start ended at `b`: a command that makes the rest of the line a secret? */
  private lineWord(b: number): void {
    const k = this.lineLen - 1;
    const word = ++this.words;
    const len = k - this.wordStart;
    // IMAP's commands follow a tag and a space; an FTP or SMTP reply ("530 Login incorrect") has a code there
    if (word === 2 && (this.line[this.wordStart - 1] !== SPACE || isReplyCode(this.line, this.wordStart - 1))) {
      this.words = 2;
      return;
    }
    // Telnet's credentials follow prompts: a line of a terminal session is no command ("User Access Verification")
    if (len > 0 && len <= 20 && !this.session.telnet) {
      const r = lineRule(this.line, this.wordStart, k, word, b);
      if (r !== undefined) this.apply(r);
    }
    this.wordStart = k + 1;
  }

  private apply(r: LineRule): void {
    switch (r.action) {
      case 'rest':
        this.rest(false);
        this.lineOff();
        return;
      case 'rest-literals':
        this.rest(true);
        this.lineOff();
        return;
      case 'rest-words':
        this.rest(false);
        this.blanks = true;
        this.lineOff();
        return;
      case 'sasl':
        this.mode = SASL_MECH;
        this.saslAfter = false;
        this.lineOff();
        return;
      case 'header':
        this.mode = SCHEME;
        this.schemeStart = -1;
        this.fold = FOLD_REST;
        this.lineOff();
        return;
      case 'chunked':
        this.mode = TRANSFER_CODINGS;
        this.teN = 0;
        this.teEnd = true;
        this.lineOff();
        return;
      case 'h2':
        // the preface goes on after `PRI `: the reader checks the rest of it
        if (this.h2 === undefined && this.lineAt >= 0) this.h2 = new H2cReader(this.lineAt + 4);
        return;
      case 'part': {
        this.partLine = true;
        this.lineKeep = PART_LINE_KEEP;
        this.words = 2;
        // a part header's name= may lie further along than a command: a longer buffer
        const longer = takeBytes(PART_LINE_KEEP);
        longer.set(this.line.subarray(0, this.lineLen));
        giveBytes(this.line);
        this.line = longer;
        return;
      }
    }
  }

  /**
   * A byte of IMAP LOGIN's arguments (RFC 9051 astring: atom, quoted string,
   * literal): the spaces between them, a quoted string's quotes and a
   * literal's `{N}` stay, so the masked command is still IMAP; the bytes of
   * the user name and password are masked (a quoted string's backslash
   * escapes too: no quote is left inside it).
   */
  private imapArgument(b: number, at: number, report: Report): void {
    if (this.quoted) {
      if (this.argEscape) this.argEscape = false;
      else if (b === BACKSLASH) this.argEscape = true;
      else if (b === QUOTE) {
        this.close(at, report);
        this.quoted = false;
        return;
      }
      this.mask(at);
      return;
    }
    const blank = b === SPACE || b === TAB;
    if (this.markFrom >= 0) {
      if (b !== OPEN_BRACE && !blank) {
        this.literalTail.push(b);
        if (this.literalTail.open) return;
      }
      // not an announcement after all (none is followed by more on its line): its bytes are the argument's
      report(this.markFrom, at);
      this.markFrom = -1;
      if (blank) {
        this.argStart = true;
        this.literalTail.reset();
        return;
      }
      this.mask(at);
      if (b === OPEN_BRACE) this.literalTail.push(b);
      return;
    }
    if (blank) {
      this.close(at, report);
      this.argStart = true;
      this.literalTail.reset();
      return;
    }
    if (this.argStart && b === QUOTE) {
      this.quoted = true;
      this.argStart = false;
      return;
    }
    if (this.argStart && b === OPEN_BRACE) {
      this.literalTail.reset();
      this.literalTail.push(b);
      this.markFrom = at;
      this.argStart = false;
      return;
    }
    // an atom (masked whole); one ending in `{N}` at the line's end is still taken to announce a literal: a
    // lenient server may read it so, and its bytes are masked either way
    this.argStart = false;
    this.mask(at);
    this.literalTail.push(b);
  }

  /** The line ended with an announcement under way: `{N}` (N > 0) stays, anything else is masked. */
  private endMark(at: number, report: Report): void {
    if (this.literalTail.announced <= 0) report(this.markFrom, at);
    this.markFrom = -1;
  }

  /**
   * A byte of an authorization header's credentials after its scheme word
   * (RFC 9110 11.4): token68 (`Basic dXNlcjpwYXNz`) is masked whole; auth-params
   * (`Digest username="u", response="9f..."`) keep their names, `=`, quotes,
   * commas and blanks, and have every value's bytes masked, so a dissector
   * still reads the parameters. The first word is undecided until the byte
   * after its `=` (another `=` or nothing: token68's padding; a value: a
   * parameter). Anything else is masked to the end of the line.
   */
  private credentials(b: number, at: number, report: Report): void {
    const blank = b === SPACE || b === TAB;
    switch (this.creds) {
      case C_START:
        if (blank) return;
        this.credsStart = at;
        this.creds = C_WORD;
        if (TOKEN_BYTE[b] === 1) return;
        break;
      case C_WORD:
        if (TOKEN_BYTE[b] === 1) return;
        if (b === EQUALS) this.creds = C_EQUALS;
        else if (blank) this.creds = C_WORD_BLANK;
        else break;
        return;
      case C_WORD_BLANK:
        if (blank) return;
        if (b === EQUALS) {
          this.creds = C_EQUALS;
          return;
        }
        break;
      case C_EQUALS:
        if (blank) return;
        if (b === QUOTE || TOKEN_BYTE[b] === 1) {
          // a parameter: its name and `=` stay
          this.credsStart = -1;
          this.paramValue(b, at);
          return;
        }
        break;
      case C_VALUE:
        if (blank) return;
        this.paramValue(b, at);
        return;
      case C_QUOTED:
        if (b === BACKSLASH) this.creds = C_QUOTED_ESCAPE;
        else if (b === QUOTE) {
          this.close(at, report);
          this.creds = C_AFTER;
          return;
        }
        this.mask(at);
        return;
      case C_QUOTED_ESCAPE:
        this.creds = C_QUOTED;
        this.mask(at);
        return;
      case C_TOKEN:
        if (TOKEN_BYTE[b] === 1) {
          this.mask(at);
          return;
        }
        this.close(at, report);
        this.creds = C_AFTER;
        this.credentials(b, at, report);
        return;
      case C_AFTER:
        if (blank) return;
        if (b === COMMA) {
          this.creds = C_NAME;
          return;
        }
        break;
      case C_NAME:
        if (blank || b === COMMA || TOKEN_BYTE[b] === 1) return;
        if (b === EQUALS) {
          this.creds = C_VALUE;
          return;
        }
        break;
    }
    // token68's padding, or neither token68 nor parameters: masked from the undecided word (or this byte) to the
    // end of the line, as one span (no mask run is open here)
    const from = this.credsStart >= 0 ? this.credsStart : at;
    this.credsStart = -1;
    this.rest(false);
    this.lead = false;
    this.maskFrom = from;
  }

  /** The first byte of a parameter's value: a quoted string keeps its quotes, a token is masked. */
  private paramValue(b: number, at: number): void {
    if (b === QUOTE) this.creds = C_QUOTED;
    else if (b === COMMA) this.creds = C_NAME;
    else {
      this.creds = C_TOKEN;
      this.mask(at);
    }
  }

  private rest(literals: boolean): void {
    this.mode = REST;
    this.lead = true;
    this.literals = literals;
    this.blanks = false;
    this.literalTail.reset();
    this.argStart = true;
    this.quoted = this.argEscape = false;
    this.markFrom = -1;
    this.saslAfter = false;
    this.saslLine = false;
    this.typedUser = false;
    this.ownAnswer = this.answering = this.guessed = false;
  }

  /** The end of a masked line: an IMAP literal may follow, a SASL exchange begin or go on. */
  private endRest(b: number): void {
    this.mode = NONE;
    if (this.literals && this.literalTail.announced > 0) {
      this.literalLeft = this.literalTail.announced;
      this.mode = LITERAL_WAIT;
      this.afterCR = false;
      return;
    }
    if (this.saslAfter) this.me.sasl = MAX_SASL_LINES;
    else if (this.saslLine && this.me.sasl > 0) this.me.sasl--;
    this.saslAfter = this.saslLine = this.typedUser = false;
    // the other side's typing that this side's own answer line echoed is no echo to look for after it
    if (this.ownAnswer) this.me.echoFrom = this.me.echoTo = 0;
    // an answer read to its end: what the other side sends after that prompt is its echo only as typed
    if (this.answering) this.other.answerDone = true;
    this.ownAnswer = this.answering = this.guessed = false;
    this.lineStart = true;
    this.afterCR = b === CR;
    this.tok = T_IDLE;
  }

  private endLine(b: number): void {
    if (this.other.sasl > 0 && !isSaslContinuation(this.head, Math.min(this.lineLen, 4))) this.other.sasl = 0;
    if (this.partLine && this.lineOn) {
      const m = PART_NAME.exec(latin1(this.line, 0, this.lineLen));
      if (m && fieldKind(m[1] ?? m[2]) !== FIELD_NONE) this.partPending = 1;
    }
    this.lineOff();
    this.partLine = false;
    this.lineStart = true;
    this.afterCR = b === CR;
    // white space, line breaks too, may come between a JSON key's colon and its value, and inside a start tag
    // (`<wsse:Password` then `Type="..."` on the next line): a credential's stays under way (a tag's as xmlOpen)
    if (this.tok === T_TAG && this.xmlKind() !== FIELD_NONE) this.xmlOpen = true;
    if (this.tok !== T_AFTER_COLON) this.tok = T_IDLE;
    this.attrValue = false;
    this.prev = b;
  }

  /** Form, JSON and XML fields named as credentials: their values are masked. */
  private field(b: number, at: number): void {
    switch (this.tok) {
      case T_NAME:
        if (NAME_BYTE[b] === 1) {
          if (this.nameLen < MAX_FIELD_NAME) this.name[this.nameLen++] = lower(b);
          else this.nameLen = MAX_FIELD_NAME + 1;
          return;
        }
        if (b === EQUALS && this.nameQuote === 0) {
          this.tok = T_IDLE;
          if (this.kind() !== FIELD_NONE || (this.attrValue && this.valueName())) this.mode = FORM_START;
          return;
        }
        if (b === this.nameQuote && this.nameQuote !== 0) {
          this.tok = T_AFTER_QUOTED;
          this.nameKind = this.kind();
          this.valueKey = this.attrValue && this.valueName();
          return;
        }
        if (b === EQUALS) {
          // "name=value" inside a quoted string (a URL in an attribute)
          this.tok = T_IDLE;
          if (this.kind() !== FIELD_NONE) this.mode = FORM;
          return;
        }
        // an unquoted attribute's value ended (`<input type=password name=pwd value=...>`): as a quoted one
        if (this.afterEquals && (b === SPACE || b === TAB || b === GT || b === SLASH) && this.kind() !== FIELD_NONE)
          this.attrValue = true;
        this.tok = T_IDLE;
        break;
      case T_AFTER_QUOTED:
        if (b === SPACE || b === TAB) return;
        if (b === COLON) {
          // a JSON key: the one after a credential name's string takes its value
          this.attrValue = false;
          if (this.nameKind !== FIELD_NONE || this.valueKey) {
            this.tok = T_AFTER_COLON;
            return;
          }
        } else if (this.nameKind !== FIELD_NONE) this.attrValue = true;
        this.tok = T_IDLE;
        break;
      case T_AFTER_COLON:
        if (b === SPACE || b === TAB) return;
        this.tok = T_IDLE;
        if (b === QUOTE) {
          this.mode = JSON_STRING;
          this.escape = false;
          return;
        }
        if (b === OPEN_BRACE || b === OPEN_BRACKET || JSON_BARE_END[b] === 1) break;
        this.mode = JSON_BARE;
        this.mask(at);
        return;
      case T_TAG:
        if (NAME_BYTE[b] === 1) {
          if (this.nameLen < MAX_FIELD_NAME) this.name[this.nameLen++] = lower(b);
          else this.nameLen = MAX_FIELD_NAME + 1;
          return;
        }
        this.tok = T_IDLE;
        if (b === GT && this.xmlKind() !== FIELD_NONE) {
          this.mode = XML;
          return;
        }
        // attributes after the name (XML 1.0 3.1: white space first): the value comes after the tag's `>`
        if ((b === SPACE || b === TAB) && this.xmlKind() !== FIELD_NONE) this.xmlOpen = true;
        break;
    }
    // T_IDLE: a name starts at a name byte after one that is not
    if (NAME_BYTE[b] === 1) {
      if (this.prev >= 0 && NAME_BYTE[this.prev] === 1) return;
      this.tok = T_NAME;
      this.nameQuote = this.prev === QUOTE || this.prev === APOS ? this.prev : 0;
      this.afterEquals = this.prev === EQUALS;
      if (this.name === NO_BYTES) this.name = takeBytes(MAX_FIELD_NAME);
      this.name[0] = lower(b);
      this.nameLen = 1;
    } else if (b === GT && this.xmlOpen) {
      this.xmlOpen = false;
      if (this.prev !== SLASH) this.mode = XML;
    } else if (b === LT) {
      this.xmlOpen = false;
      this.attrValue = false;
      this.tok = T_TAG;
      if (this.name === NO_BYTES) this.name = takeBytes(MAX_FIELD_NAME);
      this.nameLen = 0;
    }
  }

  /** Whether the name read is `value` (an HTML input's value attribute). */
  private valueName(): boolean {
    const n = this.name;
    return this.nameLen === 5 && n[0] === 0x76 && n[1] === 0x61 && n[2] === 0x6c && n[3] === 0x75 && n[4] === 0x65;
  }

  private kind(): number {
    if (this.nameLen === 0 || this.nameLen > MAX_FIELD_NAME) return FIELD_NONE;
    return fieldKind(latin1(this.name, 0, this.nameLen));
  }

  /** An XML element's name without its namespace prefix. */
  private xmlKind(): number {
    if (this.nameLen === 0 || this.nameLen > MAX_FIELD_NAME) return FIELD_NONE;
    const n = latin1(this.name, 0, this.nameLen);
    return fieldKind(n.slice(n.lastIndexOf(':') + 1));
  }
}

const RULE_BYTES = LINE_RULES.map((r) => Uint8Array.from(r.keyword, (c) => c.charCodeAt(0)));
const RULE_DELIMS = LINE_RULES.map((r) => r.delim.charCodeAt(0));
/** The rules' indices by keyword length: most words are no keyword's length, or match one rule's. */
const RULES_BY_LENGTH: (number[] | undefined)[] = [];
LINE_RULES.forEach((r, i) => (RULES_BY_LENGTH[r.keyword.length] ??= []).push(i));

/** The rule for word number `word` = line[from, to), ended by `delim`, if any: compared as bytes, no string made. */
function lineRule(line: Uint8Array, from: number, to: number, word: number, delim: number): LineRule | undefined {
  const len = to - from;
  delim = ruleDelim(delim, word);
  const rules = RULES_BY_LENGTH[len];
  if (rules === undefined) return undefined;
  next: for (const i of rules) {
    const k = RULE_BYTES[i];
    if (RULE_DELIMS[i] !== delim || LINE_RULES[i].word !== word) continue;
    for (let j = 0; j < len; j++) if (line[from + j] !== k[j]) continue next;
    return LINE_RULES[i];
  }
  return undefined;
}

/**
 * The delimiter a rule names for a word ended by `b`: a tab after a line's first word is a space. ProFTPD splits a
 * command line at any white space (make_ftp_cmd: `PASS<TAB>pw` logs in); vsftpd and Dovecot split at a space only
 * and refuse the command, so masking there masks what no server took. A second word (IMAP's command after its tag)
 * follows a space only (lineWord()), as RFC 9051's grammar and its servers want.
 */
function ruleDelim(b: number, word: number): number {
  return b === TAB && word === 1 ? SPACE : b;
}

/** The value of a hex digit, or -1. */
function hexDigit(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  const l = b | 0x20;
  return l >= 0x61 && l <= 0x66 ? l - 0x61 + 10 : -1;
}

/** Whether the line's first `n` bytes are a three-digit reply code. */
function isReplyCode(line: Uint8Array, n: number): boolean {
  if (n !== 3) return false;
  for (let i = 0; i < 3; i++) if (line[i] < 0x30 || line[i] > 0x39) return false;
  return true;
}

/** RFC 9110 tchar, and token68's `/` and `=`: the bytes of a parameter's name and token value, or of token68. */
const TOKEN_BYTE = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~/") TOKEN_BYTE[c.charCodeAt(0)] = 1;
for (let b = 0x30; b <= 0x39; b++) TOKEN_BYTE[b] = 1;
for (let b = 0x41; b <= 0x5a; b++) TOKEN_BYTE[b] = 1;
for (let b = 0x61; b <= 0x7a; b++) TOKEN_BYTE[b] = 1;

/** Bytes of an authorization scheme word (RFC 9110 token, less what never occurs in one). */
function isSchemeByte(b: number): boolean {
  return (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) || b === 0x2d || b === 0x5f;
}

/** Where an idle scanner at bytes[i] (inside a line whose start is read) has work again: see JUMP_STOPS. */
function nextWork(bytes: Uint8Array, to: number, i: number, delta: number, iacFrom: number): number {
  let before = -1;
  for (;;) {
    const r = findWork(i, to, before, LINE_KEEP, delta, iacFrom);
    const q = r >>> 1;
    // a line break before a line the finder could not clear: mayCommand() decides
    if ((r & 1) === 0 || mayCommand(bytes, q + 1, to)) return q;
    before = q;
    i = q + 1;
  }
}

/** Bytes that end a line's word for its commands. */
const WORD_END = new Uint8Array(256);
WORD_END[SPACE] = WORD_END[TAB] = WORD_END[COLON] = WORD_END[CR] = WORD_END[LF] = 1;

/**
 * The first two bytes of the keywords of word-1 and of word-2 rules (lower
 * case), as b0 << 8 | b1: a word that starts otherwise is no keyword of its
 * rank, whatever follows. Most lines are told from a command this way by
 * two table reads, where reading their words costs a few hundred
 * instructions a line (the bulk of a text segment's jump).
 */
const PAIR_1 = new Uint8Array(1 << 16);
const PAIR_2 = new Uint8Array(1 << 16);
LINE_RULES.forEach((r, i) => ((r.word === 1 ? PAIR_1 : PAIR_2)[(RULE_BYTES[i][0] << 8) | RULE_BYTES[i][1]] = 1));
setTable(PAIR_1_AT, PAIR_1);
setTable(PAIR_2_AT, PAIR_2);
/** The finder's test of a second word reads its third and fourth bytes too (mask-wasm.ts PAIR_2_NEXT_AT). */
const PAIR_2_NEXT = new Uint8Array(1 << 16);
LINE_RULES.forEach((r, i) => {
  if (r.word !== 2) return;
  const k = RULE_BYTES[i];
  if (k.length < 4) throw new Error(`a word-2 keyword has four bytes or more (the finder reads them): ${r.keyword}`);
  PAIR_2_NEXT[(k[2] << 8) | k[3]] = 1;
});
setTable(PAIR_2_NEXT_AT, PAIR_2_NEXT);
/**
 * The module's line test also reads the first word's length: the word-1
 * keywords' lengths by their pair, a bit a length (LENGTH_TOP and more in
 * one bit). HTTP's header names share their pairs with `content-disposition`,
 * `user`, `acct` but not their lengths, and were most of the lines left to
 * mayCommand().
 */
const LENGTHS_1 = new Uint32Array(1 << 16);
LINE_RULES.forEach((r, i) => {
  if (r.word !== 1) return;
  const k = RULE_BYTES[i];
  LENGTHS_1[(k[0] << 8) | k[1]] |= 1 << Math.min(k.length, LENGTH_TOP);
});
setLengths(LENGTHS_1);

/**
 * Whether the line starting at bytes[s] may start with a command (as
 * lineWord() reads it: a word-1 rule's keyword and delimiter as its first
 * word, or a word-2 rule's as its second after a space), or is cut by the
 * segment's end before its first word is read; a NUL first (after a CR, it
 * is not the line's) is taken as may. Longer than LINE_KEEP, no command. A
 * second word cut by the end is taken as no command: the line then reaches
 * the end, and nextWork() stops before it all the same.
 */
function mayCommand(bytes: Uint8Array, s: number, to: number): boolean {
  if (s >= to || bytes[s] === 0) return true;
  const end = s + LINE_KEEP < to ? s + LINE_KEEP : to;
  let k = s;
  for (let word = 1; word <= 2; word++) {
    const w = k;
    const may = w + 1 >= end || (word === 1 ? PAIR_1 : PAIR_2)[(LOWER[bytes[w]] << 8) | LOWER[bytes[w + 1]]] === 1;
    if (!may && word === 2) return false;
    while (k < end && WORD_END[bytes[k]] === 0) k++;
    if (k === to) return true;
    if (k === end) return false;
    const b = bytes[k];
    if (b === CR || b === LF) return false;
    if (may && ruleAt(bytes, w, k, b, word)) return true;
    if (b !== SPACE) return false;
    k++;
  }
  return false;
}

/** Whether bytes[from, to), ended by `delim`, is the keyword of a rule for word number `word` (ignoring case). */
function ruleAt(bytes: Uint8Array, from: number, to: number, delim: number, word: number): boolean {
  const rules = RULES_BY_LENGTH[to - from];
  delim = ruleDelim(delim, word);
  if (rules === undefined) return false;
  next: for (const i of rules) {
    if (RULE_DELIMS[i] !== delim || LINE_RULES[i].word !== word) continue;
    const k = RULE_BYTES[i];
    for (let j = from; j < to; j++) if (LOWER[bytes[j]] !== k[j - from]) continue next;
    return true;
  }
  return false;
}
