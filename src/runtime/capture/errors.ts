/**
 * Everything that can go wrong while reading or writing a capture surfaces as
 * a CaptureError, so an engine can catch one type, report it against the
 * file and keep its other sources running.
 */
export type CaptureErrorCode =
  | 'io'
  | 'empty'
  | 'bad-magic'
  | 'bad-header'
  | 'bad-block'
  | 'bad-record'
  | 'bad-interface'
  | 'link-type-mismatch'
  | 'closed';

/**
 * The detail of a file that ends inside its first header (`what`, `size`
 * long), after `n` bytes: an empty one said as such, since "not a
 * capture" or "truncated header" would send the user looking at the wrong
 * thing (a capture still being written, or one cut short by a copy).
 */
export function endsInFirstHeader(n: number, what: string, size: string): string {
  if (n === 0) return 'empty file (0 bytes): no packet was read';
  return `the file ends after ${n} byte${n === 1 ? '' : 's'}, inside its ${what} (${size}): no packet was read`;
}

/** The error of a file that ends inside its first header: `empty` when it holds no byte at all, else `code`. */
export function endedInFirstHeader(
  path: string,
  n: number,
  what: string,
  size: string,
  code: CaptureErrorCode,
): CaptureError {
  return new CaptureError(n === 0 ? 'empty' : code, path, endsInFirstHeader(n, what, size), { byteOffset: 0 });
}

export class CaptureError extends Error {
  override readonly name = 'CaptureError';
  readonly code: CaptureErrorCode;
  readonly file: string;
  /** 1-based number of the packet being read or written, when there is one. */
  readonly packetNumber: number | undefined;
  /** Offset in the file of the header or block at fault, when known. */
  readonly byteOffset: number | undefined;

  constructor(
    code: CaptureErrorCode,
    file: string,
    detail: string,
    where: { packetNumber?: number; byteOffset?: number; cause?: unknown } = {},
  ) {
    const parts: string[] = [];
    if (where.packetNumber !== undefined) parts.push(`packet ${where.packetNumber}`);
    if (where.byteOffset !== undefined) parts.push(`byte offset ${where.byteOffset}`);
    super(`${file}: ${detail}${parts.length > 0 ? ` (${parts.join(', ')})` : ''}`, { cause: where.cause });
    this.code = code;
    this.file = file;
    this.packetNumber = where.packetNumber;
    this.byteOffset = where.byteOffset;
  }
}

/** Non-fatal findings: counted by kind, the first few kept with their details. */
export type CaptureWarningKind = 'truncated' | 'bad-option';

export interface CaptureWarning {
  readonly kind: CaptureWarningKind;
  readonly message: string;
  readonly packetNumber: number;
  readonly byteOffset: number;
}

/** Keeps memory bounded on a file that repeats the same defect millions of times. */
const MAX_KEPT_WARNINGS = 100;

export class WarningLog {
  readonly kept: CaptureWarning[] = [];
  count = 0;

  add(kind: CaptureWarningKind, message: string, packetNumber: number, byteOffset: number): void {
    this.count++;
    if (this.kept.length < MAX_KEPT_WARNINGS) this.kept.push({ kind, message, packetNumber, byteOffset });
  }
}

export function ioError(file: string, what: string, cause: unknown, byteOffset?: number): CaptureError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new CaptureError('io', file, `${what}: ${reason}`, { byteOffset, cause });
}
