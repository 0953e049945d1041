import type { LineRule } from './rules.js';

/**
 * FTP (RFC 959): `USER name`, `PASS password`, `ACCT account`; the argument
 * runs to the end of the command line. POP3 (RFC 1939) has the same USER and
 * PASS commands.
 */
export const FTP_RULES: readonly LineRule[] = [
  { word: 1, keyword: 'user', delim: ' ', action: 'rest', protocol: 'FTP, POP3' },
  { word: 1, keyword: 'pass', delim: ' ', action: 'rest', protocol: 'FTP, POP3' },
  { word: 1, keyword: 'acct', delim: ' ', action: 'rest', protocol: 'FTP' },
];
