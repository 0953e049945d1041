import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/helpers.js';

/**
 * Every option a command's --help lists is in that command's section of
 * docs/cli.md (by its long name, or the short one the docs write: `-o FILE`,
 * `-O0`): a user who finds an option in --help can read what it does, and
 * one reading the docs sees every option there is.
 */

const ROOT = join(import.meta.dirname, '..', '..');
const COMMANDS = ['validate', 'compile', 'explain', 'diff', 'run', 'fmt', 'test', 'lsp', 'gen'];

function section(doc: string, command: string): string {
  const start = doc.indexOf(`\n## tmesc ${command}\n`);
  expect(start, `docs/cli.md has a section "## tmesc ${command}"`).toBeGreaterThanOrEqual(0);
  const end = doc.indexOf('\n## ', start + 1);
  return doc.slice(start, end < 0 ? undefined : end);
}

describe('docs/cli.md and --help', () => {
  const doc = readFileSync(join(ROOT, 'docs', 'cli.md'), 'utf8');
  const check = async (command: string) => {
    const help = (await runCli([command, '--help'])).out;
    const text = section(doc, command);
    const missing: string[] = [];
    for (const m of help.matchAll(/^\s+(?:(-[A-Za-z]), )?(--[a-z][a-z0-9-]*)/gm)) {
      const [, short, long] = m;
      if (long === '--help') continue;
      const written = (o: string) => new RegExp(`(^|[^\\w-])${o}(?![\\w-])`).test(text);
      if (!written(long) && !(short && new RegExp(`(^|[^\\w-])${short}(?![a-z-])`).test(text))) missing.push(long);
    }
    expect(missing).toEqual([]);
  };
  it.each(COMMANDS)('every option of tmesc %s --help is in its section of docs/cli.md', check);
});
