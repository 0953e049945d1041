/**
 * SASL exchanges (SMTP AUTH, POP3 AUTH, IMAP AUTHENTICATE): after the
 * command, the client's lines are responses (base64 credentials) for as long
 * as the server asks for more: SMTP `334 ...`, POP3 and IMAP `+ ...`. Any
 * other complete server line is the final reply and ends the exchange. A
 * side never answered is limited to MAX_SASL_LINES lines.
 */
export const MAX_SASL_LINES = 8;

/**
 * Whether a server line asks for another SASL response, by its first bytes
 * (lower case, packed big-endian into `head`, `length` of them, at most 4).
 */
export function isSaslContinuation(head: number, length: number): boolean {
  const b = (i: number) => (head >>> (8 * (3 - i))) & 0xff;
  if (length >= 1 && b(0) === 0x2b && (length === 1 || b(1) === 0x20)) return true; // "+" or "+ "
  return (
    length >= 3 && b(0) === 0x33 && b(1) === 0x33 && b(2) === 0x34 && (length === 3 || b(3) === 0x20 || b(3) === 0x2d)
  ); // 334
}
