import { CredentialScanner, type CredentialSession, credentialSession } from './credentials/credentials.js';
import { USERINFO } from './credentials/http.js';
import { regexTarget } from './mask-regex.js';
import { type MaskScanner, type MaskTarget, type Report, type SegmentText, pooledScanOnce } from './mask-scanner.js';

/** Two scanners over the same bytes, as one: their spans together, the earlier of their undecided offsets. */
class Both implements MaskScanner {
  constructor(
    private readonly a: MaskScanner,
    private readonly b: MaskScanner,
  ) {}

  write(bytes: Uint8Array, from: number, to: number, report: Report, text?: SegmentText): void {
    this.a.write(bytes, from, to, report, text);
    this.b.write(bytes, from, to, report, text);
  }

  undecidedFrom(): number {
    return Math.min(this.a.undecidedFrom(), this.b.undecidedFrom());
  }

  suspiciousFrom(): number {
    return Math.min(
      this.a.suspiciousFrom?.() ?? this.a.undecidedFrom(),
      this.b.suspiciousFrom?.() ?? this.b.undecidedFrom(),
    );
  }

  answers(): boolean {
    return this.a.answers?.() === true || this.b.answers?.() === true;
  }

  unanswered(upTo: number): void {
    this.a.unanswered?.(upTo);
    this.b.unanswered?.(upTo);
  }

  resting(): boolean {
    return this.a.resting?.() !== false && this.b.resting?.() !== false;
  }

  unseen(upTo: number): void {
    this.a.unseen?.(upTo);
    this.b.unseen?.(upTo);
  }

  urgentInline(): boolean {
    return this.a.urgentInline?.() === true || this.b.urgentInline?.() === true;
  }

  end(report: Report): void {
    this.a.end(report);
    this.b.end(report);
  }

  decide(offset: number, report: Report): void {
    this.a.decide(offset, report);
    this.b.decide(offset, report);
  }

  restart(offset: number, atStart: boolean, dir: 0 | 1, shared: unknown): void {
    this.a.restart!(offset, atStart, dir, shared);
    this.b.restart!(offset, atStart, dir, undefined);
  }
}

/**
 * `mask credentials`: the protocol-aware scanner of credentials/ (commands,
 * headers, fields, prompts) and the user:password@ of URLs, a pattern.
 */
export function credentialsTarget(fill: number): MaskTarget {
  const userinfo = regexTarget(
    'credentials',
    USERINFO.source,
    USERINFO.flags,
    fill,
    USERINFO.trimStart,
    USERINFO.trimEnd,
  );
  const t: MaskTarget = {
    name: 'credentials',
    fill,
    shared: (ports?: readonly number[]) => credentialSession(ports),
    restartShared: (old, ports) => (old as CredentialSession).restart(ports),
    scanner: (offset, atStart, dir, shared) =>
      new Both(
        new CredentialScanner(offset, atStart, dir, shared as CredentialSession),
        userinfo.scanner(offset, atStart, dir, undefined),
      ),
    scanOnce: (bytes, from, to, report, text) => once(bytes, from, to, report, text),
  };
  const once = pooledScanOnce(t);
  return t;
}
