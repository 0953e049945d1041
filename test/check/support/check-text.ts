import { checkPolicyFile, type CheckResult } from '../../../src/check/check.js';
import { locate } from '../../../src/diagnostics/diagnostic.js';
import { graphChecks } from '../../../src/ir/graph-check.js';

export interface Found {
  code: string;
  /** line:column, 1-based */
  at: string;
  message: string;
  emitter: string;
}

/**
 * Checks policy text without touching the disk: `files` maps the paths of
 * included files (relative to /policies) to their text.
 */
export function checkText(text: string, files: Record<string, string> = {}): { found: Found[]; result: CheckResult } {
  const texts = new Map<string, string>([['/policies/p.tmes', text]]);
  for (const [p, t] of Object.entries(files)) texts.set(`/policies/${p}`, t);
  const result = checkPolicyFile('/policies/p.tmes', {
    extraChecks: [graphChecks],
    read: (p) => {
      const t = texts.get(p);
      if (t === undefined) throw Object.assign(new Error(`no such file ${p}`), { code: 'ENOENT' });
      return t;
    },
  });
  const found = result.diagnostics.map((d) => {
    const l = locate(d);
    return { code: d.code, at: `${l.line}:${l.column}`, message: d.message, emitter: result.emitterOf(d) };
  });
  return { found, result };
}

/** `CODE line:col` of every diagnostic, in output order. */
export function codesAt(text: string, files?: Record<string, string>): string[] {
  return checkText(text, files).found.map((f) => `${f.code} ${f.at}`);
}

/** A policy header, one tap and one group, to which a test adds its lines. */
export const BASE = [
  'policy "p"',
  'tap t { source pcap "a.pcap" }',
  'group g { tool o { output pcap "o.pcap" } }',
].join('\n');
