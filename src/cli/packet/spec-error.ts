import { UsageError } from '../io.js';

/**
 * A mistake in a `--packet` description: a usage error (exit 2) that shows
 * the description with a caret under the words at fault, as the policy
 * checker shows source lines. Control characters are shown as `?`, so the
 * caret stays in line and the terminal never obeys them.
 */
export class SpecError extends UsageError {
  constructor(
    readonly reason: string,
    readonly spec: string,
    readonly start: number,
    readonly end: number,
  ) {
    super(
      `--packet: ${safe(reason)}\n    ${safe(spec)}\n    ${' '.repeat(start)}${'^'.repeat(Math.max(1, end - start))}`,
    );
  }
}

// eslint-disable-next-line no-control-regex
const safe = (s: string): string => s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '?');
