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
 * Letters one of which every name that fieldKind() takes for a credential
 * holds (lower case): p (password, passwd, passwort, passphrase, pass, pwd,
 * pw, pswd, passw), u (username, user, userid, uname, usr, jusername), l
 * (login, loginname, loginid). A name without any is FIELD_NONE, whatever
 * its separators (%5b, %5d and the joins only remove bytes): the masking
 * scanners' finder passes such names without asking (mask-wasm.ts, plain).
 */
export const KEY_LETTERS = 'plu';

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

/** What kind of credential field `name` (lower case, %5B and %5D read as brackets) names. */
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
  const n = name.replace(/%5b/g, '[').replace(/%5d/g, ']');
  if (PASSWORD_INFIXES.some((w) => n.includes(w))) return FIELD_PASSWORD;
  const parts = n.split(/[^a-z0-9]+/).filter(Boolean);
  if (parts.some((p) => PASSWORD_PARTS.has(p))) return FIELD_PASSWORD;
  if (USER_NAMES.has(parts.join(''))) return FIELD_USER;
  const last = parts[parts.length - 1];
  if (last !== undefined && USER_LAST_PARTS.has(last)) return FIELD_USER;
  return FIELD_NONE;
}

/** Bytes a field name is made of (bare names: letters, digits, _ . - [ ] % $ :). */
export const NAME_BYTE = new Uint8Array(256);
for (let b = 0x30; b <= 0x39; b++) NAME_BYTE[b] = 1;
for (let b = 0x41; b <= 0x5a; b++) NAME_BYTE[b] = 1;
for (let b = 0x61; b <= 0x7a; b++) NAME_BYTE[b] = 1;
for (const c of '_.-[]%$:') NAME_BYTE[c.charCodeAt(0)] = 1;

/** Bytes that end a form value (`a=b&c=d`, `k=v; k2=v2`, `?p=x "`). */
export const FORM_VALUE_END = new Uint8Array(256);
for (const c of '&; \t\r\n"\'<>#') FORM_VALUE_END[c.charCodeAt(0)] = 1;
FORM_VALUE_END[0] = 1;

/** Bytes that end a bare JSON value (a number, true, an unquoted token). */
export const JSON_BARE_END = new Uint8Array(256);
for (const c of ',}] \t\r\n') JSON_BARE_END[c.charCodeAt(0)] = 1;
