import {
  CredentialScanner,
  type CredentialSession,
  credentialSession,
} from '../../../src/runtime/actions/credentials/credentials.js';

/** The scanner with its jump over idle text always taken (native search from the first byte). */
export class Always extends CredentialScanner {
  protected override readonly nativeFrom: number = 1;
}
/** The scanner without the jump: its loops only, as before the jump existed. */
export class Never extends CredentialScanner {
  protected override readonly nativeFrom: number = Infinity;
}

/** The scanner with its quiet-text shortcuts off: every byte through step(). */
export class StepOnly extends CredentialScanner {
  protected override quiet(): boolean {
    return false;
  }
}
/** A scanner that asks the finder from two bytes left (the jump and enterLine's guard at the segment's end). */
export class Near extends CredentialScanner {
  protected override readonly nativeFrom: number = 2;
}

/**
 * A long line whose start is read: past the stop in it (a tag no credential's) the scanner is idle and jumpable,
 * and asks the finder; a line without one (STILL) is read to its break by skip().
 */
export const FILLER = 'session policy dolor <i> broker session flow session dolor mirror filter tap';
export const STILL = 'session policy dolor broker session flow session dolor dolor mirror filter tap';

/** Spans reported (`dir:start-end`, `:end` for those at the stream's end) and the undecided offset after every segment. */
export type Run = { spans: string; held: number[] };

/** What surrounds each segment in its buffer: bytes that would start work if a search read them. */
const AROUND = Buffer.from('\r\nPASS x=\'"<\xff\n', 'latin1');

/**
 * Feeds a conversation (turns of text per direction) to one scanner a
 * direction sharing a session, each turn cut into segments of 1 to `maxCut`
 * bytes as `cuts` says, each segment inside a buffer with AROUND on both sides.
 */
export function runScanner(
  Scanner: typeof CredentialScanner,
  turns: [0 | 1, string[]][],
  ports: readonly number[],
  cuts: number[],
  maxCut: number,
): Run {
  const session: CredentialSession = credentialSession(ports);
  const scanners = [new Scanner(0, true, 0, session), new Scanner(0, true, 1, session)];
  const spans: string[] = [];
  const held: number[] = [];
  let c = 0;
  for (const [dir, parts] of turns) {
    const bytes = Buffer.from(parts.join(''), 'latin1');
    let i = 0;
    while (i < bytes.length) {
      const n = Math.min(bytes.length - i, 1 + (cuts[c++ % cuts.length] % maxCut));
      const buf = Buffer.concat([AROUND, bytes.subarray(i, i + n), AROUND]);
      const at = AROUND.length;
      scanners[dir].write(buf, at, at + n, (s, e) => spans.push(`${dir}:${s}-${e}`));
      i += n;
      held.push(scanners[dir].undecidedFrom());
    }
  }
  for (const dir of [0, 1] as const) scanners[dir].end((s, e) => spans.push(`${dir}:${s}-${e}:end`));
  return { spans: spans.join(' '), held };
}
