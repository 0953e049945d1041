/**
 * SASL exchanges (SMTP AUTH, POP3 AUTH, IMAP AUTHENTICATE): after the
 * command, the client's lines are responses (base64 credentials) for as long
 * as the server asks for more: SMTP `334 ...`, POP3 and IMAP `+ ...`. Any
 * other complete server line is the final reply and ends the exchange. A
 * side never answered is limited to MAX_SASL_LINES lines.
 */
export const MAX_SASL_LINES = 8;

/** Whether a server line (its first bytes, lower case) asks for another SASL response. */
export function isSaslContinuation(line: Uint8Array, length: number): boolean {
  if (length >= 1 && line[0] === 0x2b && (length === 1 || line[1] === 0x20)) return true; // "+" or "+ "
  return (
    length >= 3 &&
    line[0] === 0x33 &&
    line[1] === 0x33 &&
    line[2] === 0x34 &&
    (length === 3 || line[3] === 0x20 || line[3] === 0x2d)
  ); // 334
}
