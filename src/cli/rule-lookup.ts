import { CODES } from '../diagnostics/codes.js';
import type { RuleLookup } from '../diagnostics/rule-meta.js';

const DOCS = 'https://github.com/tmesc/tmesc/blob/main/docs/diagnostics.md';

export const lookupRule: RuleLookup = (code) => {
  const info = CODES.get(code);
  return (
    info && {
      code,
      name: info.name,
      title: info.title,
      defaultSeverity: info.severity,
      help: info.help,
      docsUrl: `${DOCS}#${code.toLowerCase()}`,
    }
  );
};
