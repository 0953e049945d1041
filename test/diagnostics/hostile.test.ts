import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkPolicyFile } from '../../src/check/check.js';
import type { Diagnostic } from '../../src/diagnostics/diagnostic.js';
import { render, type Format } from '../../src/diagnostics/render/index.js';
import { escapeForTerminal, escapeJsonForTerminal, standIn } from '../../src/diagnostics/render/terminal.js';
import { graphChecks } from '../../src/ir/graph-check.js';
import { lookupRule } from '../../src/cli/rule-lookup.js';
import { runCli } from '../cli/helpers.js';

/**
 * A policy whose comments, strings and file name hold terminal escape
 * sequences (set the title, clear the screen, a fake green "no problems"
 * after a carriage return), C1 controls and bidi overrides. Whatever reaches
 * a terminal shows them, and never acts on them; JSON and SARIF keep them as
 * data.
 */
const FIXTURE = join(import.meta.dirname, 'fixtures', 'hostile.tmes');
// what a terminal acts on or reorders by: C0 but the line feed, DEL, C1, bidi controls
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const LIVE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

function diagnosticsOf(path: string): Diagnostic[] {
  return checkPolicyFile(path, { extraChecks: [graphChecks] }).diagnostics;
}

const dir = mkdtempSync(join(tmpdir(), 'tmesc-hostile-'));
const hostileName = join(dir, 'p\u001b]0;pwned\u0007\u202e.tmes');
copyFileSync(FIXTURE, hostileName);

describe('what reaches the terminal', () => {
  for (const path of [FIXTURE, hostileName]) {
    const ds = diagnosticsOf(path);
    const which = path === FIXTURE ? 'the fixture' : 'a hostile file name';

    it(`${which}: the diagnostics do carry the hostile text (the test tests something)`, () => {
      expect(ds.length).toBeGreaterThanOrEqual(5);
      expect(ds.some((d) => d.message.includes('\u001b'))).toBe(true);
      expect(ds.some((d) => LIVE.test(d.span.file.path) || LIVE.test(d.span.file.text))).toBe(true);
    });

    for (const format of ['text', 'github'] as Format[])
      for (const color of format === 'text' ? [false, true] : [false])
        it(`${which}: ${format}${color ? ' in colour' : ''} shows no control character live`, () => {
          const out = render(format, ds, { color, cwd: dir, lookupRule });
          // the only escape sequences are the renderer's own colours
          // eslint-disable-next-line no-control-regex -- the renderer's own SGR sequences
          const own = color ? out.replace(/\u001b\[[0-9;]*m/g, '') : out;
          expect(own.match(LIVE)).toBeNull();
          expect(out).toContain(standIn('\u001b'));
        });

    for (const format of ['json', 'sarif'] as Format[])
      it(`${which}: ${format} keeps the text as data, with nothing live in the output`, () => {
        const out = render(format, ds, { cwd: dir, lookupRule });
        expect(out.match(LIVE)).toBeNull();
        const parsed = JSON.stringify(JSON.parse(out));
        for (const d of ds) expect(parsed).toContain(JSON.stringify(d.message).slice(1, -1));
      });
  }

  it('carets stay under the token, whatever is shown before it', () => {
    const out = render('text', diagnosticsOf(FIXTURE), {});
    const lines = out.split('\n');
    const i = lines.findIndex((l) => l.startsWith('    6 | '));
    const shown = lines[i].slice('    6 | '.length);
    const carets = lines[i + 1].slice('      | '.length);
    expect(shown).toContain(`"${standIn('\u001b')}[2J<U+202E><U+009B>[1m"`);
    expect(carets.indexOf('^')).toBe(shown.indexOf('5000'));
    expect(carets.trim()).toBe('^^^^');
    const bidi = lines.findIndex((l) => l.startsWith('    8 | '));
    expect(lines[bidi]).toContain('# <U+2066><U+202E>evil<U+2069><U+2069>');
    expect(lines[bidi + 1].indexOf('^')).toBe(lines[bidi].indexOf('gg'));
  });

  it('the fake "no problems" after a carriage return is shown as text, on a line of its own', () => {
    const out = render('text', diagnosticsOf(FIXTURE), {});
    expect(out).toContain(`    7 | ${standIn('\u001b')}[32mno problems in 1 file${standIn('\u001b')}[0m`);
    expect(out.trimEnd().split('\n').pop()).toBe('6 errors in 1 file');
  });

  it('stand-ins: control pictures for C0 and DEL, code points for the rest', () => {
    expect(escapeForTerminal('a\u0000b\u001bc\u007fd')).toBe('a\u2400b\u241bc\u2421d');
    expect(escapeForTerminal('\u009b\u202e\u2067x')).toBe('<U+009B><U+202E><U+2067>x');
    expect(escapeForTerminal('tab\there\nline', '\t')).toBe('tab\there\u240aline');
    expect(escapeForTerminal('plain text, é, 😀')).toBe('plain text, é, 😀');
    expect(escapeJsonForTerminal(JSON.stringify('\u009b\u202e\u001b'))).toBe('"\\u009b\\u202e\\u001b"');
    expect(JSON.parse(escapeJsonForTerminal(JSON.stringify('\u009b\u202e')))).toBe('\u009b\u202e');
  });
});

describe('the command line', () => {
  it('validate of the hostile policy prints nothing live, in text and github formats', async () => {
    for (const format of ['text', 'github']) {
      const r = await runCli(['validate', '--format', format, hostileName], dir);
      expect(r.code).toBe(1);
      expect((r.out + r.err).match(LIVE)).toBeNull();
    }
  });

  it('a file that cannot be read is named with its controls shown', async () => {
    const r = await runCli(['validate', join(dir, 'missing\u001b[2J.tmes')], dir);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`missing${standIn('\u001b')}[2J.tmes`);
    expect((r.out + r.err).match(LIVE)).toBeNull();
    const g = await runCli(['validate', '--format', 'json', join(dir, 'missing\u001b[2J.tmes')], dir);
    expect(g.out.match(LIVE)).toBeNull();
  });

  it('run and compile print the errors of the policy with nothing live', async () => {
    for (const args of [
      ['compile', hostileName],
      ['run', hostileName],
    ]) {
      const r = await runCli(args, dir);
      expect(r.code).toBe(1);
      expect(r.err).toContain('error TMES0301');
      expect((r.out + r.err).match(LIVE)).toBeNull();
    }
  });
});
