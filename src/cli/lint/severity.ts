import { CODES } from '../../diagnostics/codes.js';
import type { Severity } from '../../diagnostics/diagnostic.js';

/** A code's severity in the catalogue (before any configuration); a code the catalogue lacks is taken for an error. */
export function catalogueSeverity(code: string): Severity {
  return CODES.get(code)?.severity ?? 'error';
}
