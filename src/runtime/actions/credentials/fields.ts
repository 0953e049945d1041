/**
 * Credential fields of forms and documents, wherever they appear in a
 * stream: `name=value` (URL queries, application/x-www-form-urlencoded
 * bodies, cookies), `"name": "value"` and `"name": value` (JSON), and
 * `<name>value</name>` (XML, SOAP). The value is masked to its end: `&`,
 * `;`, white space or a quote for a form value, the closing quote for a
 * JSON string, `<` for XML.
 *
 * A field is a password field when its name (lower case) contains password,
 * passwd, passwort or passphrase, or one of its parts (split at anything
 * but letters and digits) is pass, pwd, pw, pswd or passw: `password`,
 * `user[password]`, `j_password`, `new_password`, `userPassword`, `pwd`. It
 * is a user-name field when its name without separators is username, user,
 * login, loginname, loginid, userid, uname, usr or j_username, or its last
 * part is username, user, login or userid: `user_name`, `session[login]`.
 */

export const FIELD_NONE = 0;
export const FIELD_USER = 1;
export const FIELD_PASSWORD = 2;

const PASSWORD_INFIXES = ['password', 'passwd', 'passwort', 'passphrase'];
const PASSWORD_PARTS = new Set(['pass', 'pwd', 'pw', 'pswd', 'passw']);
const USER_NAMES = new Set([
  'username',
  'user',
  'login',
  'loginname',
  'loginid',
  'userid',
  'uname',
  'usr',
  'jusername',
]);
const USER_LAST_PARTS = new Set(['username', 'user', 'login', 'userid']);

/**
 * Bytes one of which every name that fieldKind() takes for a credential
 * holds (lower case): p (password, passwd, passwort, passphrase, pass, pwd,
 * pw, pswd, passw), u (username, user, userid, uname, usr, jusername), l
 * (login, loginname, loginid), and `%`, which may stand for any of them
 * (`%70assword`: a server decodes a form's names; a JSON key's `\u0070`
 * holds a u). A name without any is FIELD_NONE, whatever its separators
 * (the joins only remove bytes): the masking scanners' finder passes such
 * names without asking (mask-wasm.ts, plain).
 */
export const KEY_LETTERS = 'plu%';

/** The longest field name considered. */
export const MAX_FIELD_NAME = 48;

/** Bytes as a string of the same char codes (no spread: its iterator costs more than the loop). */
export function latin1(bytes: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) s += String.fromCharCode(bytes[i]);
  return s;
}

/** Names seen, by kind: a stream names the same few fields over and over. Emptied when full. */
const KINDS = new Map<string, number>();
const KINDS_MAX = 1024;

/**
 * What kind of credential field `name` (lower case) names, as the receiver
 * reads it: percent-encoded bytes decoded (a form's names, RFC 3986 2.1:
 * `%70assword`, `user%5bpassword%5d`) and a JSON key's \u escapes (RFC 8259
 * 7: `"\u0070assword"`), once each, as a server decodes them.
 */
export function fieldKind(name: string): number {
  let k = KINDS.get(name);
  if (k === undefined) {
    if (KINDS.size >= KINDS_MAX) KINDS.clear();
    k = kindOf(name);
    KINDS.set(name, k);
  }
  return k;
}

function kindOf(name: string): number {
  const n = name.includes('%') || name.includes('\\') ? decoded(name) : name;
  if (PASSWORD_INFIXES.some((w) => n.includes(w))) return FIELD_PASSWORD;
  const parts = n.split(/[^a-z0-9]+/).filter(Boolean);
  if (parts.some((p) => PASSWORD_PARTS.has(p))) return FIELD_PASSWORD;
  if (USER_NAMES.has(parts.join(''))) return FIELD_USER;
  const last = parts[parts.length - 1];
  if (last !== undefined && USER_LAST_PARTS.has(last)) return FIELD_USER;
  return FIELD_NONE;
}

/** `name` with its %XX and \uXXXX decoded, lower case (no backtracking: each a fixed-length match). */
function decoded(name: string): string {
  return name
    .replace(/\\u([0-9a-f]{4})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)))
    .replace(/%([0-9a-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)))
    .toLowerCase();
}

/**
 * Bytes a field name is made of (bare names: letters, digits, _ . - [ ] % $ :,
 * and a JSON key's backslash, which begins a \u escape).
 */
export const NAME_BYTE = new Uint8Array(256);
for (let b = 0x30; b <= 0x39; b++) NAME_BYTE[b] = 1;
for (let b = 0x41; b <= 0x5a; b++) NAME_BYTE[b] = 1;
for (let b = 0x61; b <= 0x7a; b++) NAME_BYTE[b] = 1;
for (const c of '_.-[]%$:\\') NAME_BYTE[c.charCodeAt(0)] = 1;

/** Bytes that end a form value (`a=b&c=d`, `k=v; k2=v2`, `?p=x "`). */
export const FORM_VALUE_END = new Uint8Array(256);
for (const c of '&; \t\r\n"\'<>#') FORM_VALUE_END[c.charCodeAt(0)] = 1;
FORM_VALUE_END[0] = 1;

/** Bytes that end a bare JSON value (a number, true, an unquoted token). */
export const JSON_BARE_END = new Uint8Array(256);
for (const c of ',}] \t\r\n') JSON_BARE_END[c.charCodeAt(0)] = 1;
