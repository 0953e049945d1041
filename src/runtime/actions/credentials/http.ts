import type { LineRule } from './rules.js';

/**
 * HTTP (and SIP, RTSP: the same header syntax): `Authorization` and
 * `Proxy-Authorization` headers (RFC 9110) keep their scheme word (Basic,
 * Bearer, Digest, ...) and have the credentials after it masked: token68
 * whole, auth-params value by value (names, `=`, quotes and commas stay); a
 * value with no scheme word is masked whole. Form parts (`Content-Disposition:
 * form-data; name="password"`) have their value masked. A body sent with
 * `Transfer-Encoding: ... chunked` is read de-chunked, as its receiver reads it:
 * the chunks' framing (sizes, extensions, their line breaks) is passed over,
 * so a chunk boundary inside a field's name or value cuts nothing. Form fields in URLs
 * and bodies are fields.ts's; user:password@ in URLs is USERINFO below.
 */
export const HTTP_RULES: readonly LineRule[] = [
  { word: 1, keyword: 'authorization', delim: ':', action: 'header', protocol: 'HTTP' },
  { word: 1, keyword: 'proxy-authorization', delim: ':', action: 'header', protocol: 'HTTP' },
  { word: 1, keyword: 'content-disposition', delim: ':', action: 'part', protocol: 'HTTP' },
  { word: 1, keyword: 'transfer-encoding', delim: ':', action: 'chunked', protocol: 'HTTP' },
  // HTTP/2 in clear: the client's preface, at the connection's start (prior knowledge) or after an Upgrade request
  { word: 1, keyword: 'pri', delim: ' ', action: 'h2', protocol: 'HTTP/2' },
];

/** The transfer coding whose body is read de-chunked (RFC 9112 7.1), when it is the last one named. */
export const CHUNKED = 'chunked';

/** A chunk size beyond this (hex digits read so far) is no chunk's: the body is read as it lies. */
export const MAX_CHUNK_SIZE = 0x7fffffff;

/** The longest scheme word kept (`AWS4-HMAC-SHA256` is 16). */
export const MAX_SCHEME = 32;

/**
 * user:password@ (or user@) in a URL (RFC 3986 userinfo): the pattern's
 * match is `://userinfo@`; the three bytes before and the @ stay.
 */
export const USERINFO = { source: String.raw`:\/\/[^\/?#@\s"'<>\\]{1,256}@`, flags: '', trimStart: 3, trimEnd: 1 };

/**
 * A part header's `name="..."` or `name=token` (RFC 2183's parameter value is
 * a token or a quoted string): the field name the part carries, when it is a
 * credential field (the quoted one in group 1, the token in group 2).
 */
export const PART_NAME = /\bname\s*=\s*(?:"([^"]*)"|([!#$%&'*+\-.^_`|~0-9a-z]+))/i;
