import { codeInfo } from './codes.js';
import type { Diagnostic, Fix, RelatedInfo, Span } from './diagnostic.js';

/** Collects diagnostics; the severity comes from the catalogue so it is the same everywhere. */
export class DiagnosticBag {
  readonly items: Diagnostic[] = [];

  add(code: string, span: Span, message: string, extra?: { related?: RelatedInfo[]; fix?: Fix }): void {
    this.items.push({ code, severity: codeInfo(code).severity, message, span, ...extra });
  }

  get hasErrors(): boolean {
    return this.items.some((d) => d.severity === 'error');
  }
}
