import { codeInfo, type Code } from './codes.js';
import type { Diagnostic, Fix, RelatedInfo, Span } from './diagnostic.js';

export interface DiagnosticExtra {
  related?: RelatedInfo[];
  fix?: Fix;
}

/**
 * Where one part of the front end reports. `C` is the codes that part may
 * emit: a check typed `Reporter<'TMES0407'>` cannot report another code.
 */
export interface Reporter<C extends Code = Code> {
  // a property, not a method, so that a Reporter of some codes is not taken for one of others
  readonly add: (code: C, span: Span, message: string, extra?: DiagnosticExtra) => void;
  /** Every diagnostic reported so far, by anyone. */
  readonly items: readonly Diagnostic[];
  readonly hasErrors: boolean;
}

/**
 * Collects diagnostics; the severity comes from the catalogue so it is the
 * same everywhere. {@link scope} gives a part of the front end its own view
 * of the same collection, so each diagnostic is known by who reported it
 * (the test that holds each check to its declared codes reads that).
 */
export class DiagnosticBag implements Reporter {
  readonly items: Diagnostic[];
  private readonly emitters: Map<Diagnostic, string>;

  constructor(
    private readonly emitter = '',
    shared?: { items: Diagnostic[]; emitters: Map<Diagnostic, string> },
  ) {
    this.items = shared?.items ?? [];
    this.emitters = shared?.emitters ?? new Map();
  }

  add(code: Code, span: Span, message: string, extra?: DiagnosticExtra): void {
    const d: Diagnostic = { code, severity: codeInfo(code).severity, message, span, ...extra };
    this.items.push(d);
    if (this.emitter) this.emitters.set(d, this.emitter);
  }

  /** Adds diagnostics made elsewhere (a scratch bag) as this reporter's own. */
  addAll(ds: readonly Diagnostic[]): void {
    for (const d of ds) {
      this.items.push(d);
      if (this.emitter) this.emitters.set(d, this.emitter);
    }
  }

  /** A view that adds to the same collection, recording `emitter` as the reporter. */
  scope(emitter: string): DiagnosticBag {
    return new DiagnosticBag(emitter, { items: this.items, emitters: this.emitters });
  }

  /** Who reported `d` (the name given to {@link scope}), or '' when it came through the bag itself. */
  emitterOf(d: Diagnostic): string {
    return this.emitters.get(d) ?? '';
  }

  get hasErrors(): boolean {
    return this.items.some((d) => d.severity === 'error');
  }
}
