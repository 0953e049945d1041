/**
 * SMTP AUTH (RFC 4954): `AUTH PLAIN [base64]`, `AUTH LOGIN [base64 user]`,
 * `AUTH CRAM-MD5`...: the initial response and each base64 line the client
 * sends while the server answers 334 are masked (credentials/sasl.ts ends
 * the exchange at the server's final reply). The rule is POP3's AUTH.
 */
export { POP3_RULES as SMTP_RULES } from './pop3.js';
