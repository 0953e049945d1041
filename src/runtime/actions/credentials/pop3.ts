import type { LineRule } from './rules.js';

/**
 * POP3 (RFC 1939, RFC 5034): `APOP name digest` (both masked, the
 * space between them kept), `AUTH
 * mechanism [initial-response]` then the client's SASL responses. USER and
 * PASS are FTP's rules.
 */
export const POP3_RULES: readonly LineRule[] = [
  { word: 1, keyword: 'apop', delim: ' ', action: 'rest-words', protocol: 'POP3' },
  { word: 1, keyword: 'auth', delim: ' ', action: 'sasl', protocol: 'POP3, SMTP' },
];
