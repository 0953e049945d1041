/**
 * Everything that can go wrong while reading or writing a capture surfaces as
 * a CaptureError, so an engine can catch one type, report it against the
 * file and keep its other sources running.
 */
export type CaptureErrorCode =
  'io' | 'bad-magic' | 'bad-header' | 'bad-block' | 'bad-record' | 'bad-interface' | 'link-type-mismatch' | 'closed';

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
