import type { Diagnostic } from '../diagnostic.js';
import { renderGithub, type GithubRenderOptions } from './github.js';
import { renderJson } from './json.js';
import { renderSarif, type SarifRenderOptions } from './sarif.js';
import { renderText, type TextRenderOptions } from './text.js';

export const FORMATS = ['text', 'json', 'sarif', 'github'] as const;
export type Format = (typeof FORMATS)[number];

export function isFormat(s: string): s is Format {
  return (FORMATS as readonly string[]).includes(s);
}

/** The union of every renderer's options; each renderer reads only its own. */
export interface RenderOptions extends TextRenderOptions, SarifRenderOptions, GithubRenderOptions {}

/** Renders diagnostics in one of the output formats of `tmesc validate --format`. */
export function render(format: Format, diagnostics: readonly Diagnostic[], options: RenderOptions = {}): string {
  switch (format) {
    case 'text':
      return renderText(diagnostics, {
        fileCount: options.fileCount,
        color: options.color,
        tabWidth: options.tabWidth,
      });
    case 'json':
      return renderJson(diagnostics);
    case 'sarif':
      return renderSarif(diagnostics, {
        lookupRule: options.lookupRule,
        cwd: options.cwd,
        toolVersion: options.toolVersion,
        informationUri: options.informationUri,
      });
    case 'github':
      return renderGithub(diagnostics, { cwd: options.cwd });
    default: {
      const never: never = format;
      throw new Error(`unknown format ${String(never)}`);
    }
  }
}

export { renderText, type TextRenderOptions } from './text.js';
export { renderJson } from './json.js';
export { renderSarif, type SarifRenderOptions } from './sarif.js';
export { renderGithub, type GithubRenderOptions } from './github.js';
