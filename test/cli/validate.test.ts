import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

const fixtures = join(import.meta.dirname, '..', 'check', 'fixtures');
const clean = join(fixtures, 'valid-everything.tmes');
const withError = join(fixtures, 'TMES0200-unknown-name.tmes');
const withWarning = join(fixtures, 'TMES0500-unused-definition.tmes');

describe('tmesc validate', () => {
  it('exits 0 on a clean policy and says so', async () => {
    const r = await runCli(['validate', clean], fixtures);
    expect(r.code).toBe(0);
    expect(r.out).toBe('no problems in 1 file\n');
  });

  it('exits 1 on errors and prints file:line:col, code and a caret', async () => {
    const r = await runCli(['validate', withError], fixtures);
    expect(r.code).toBe(1);
    expect(r.out).toContain(
      "TMES0200-unknown-name.tmes:6:53: error TMES0200: unknown group 'idss'; did you mean 'ids'?",
    );
    expect(r.out).toMatch(/\n\s+6 \| rule r from core-b .*\n\s+\|\s+\^{4}\n/);
    expect(r.out).toMatch(/3 errors in 1 file\n$/);
  });

  it('warnings pass unless --max-warnings is exceeded', async () => {
    expect((await runCli(['validate', withWarning], fixtures)).code).toBe(0);
    expect((await runCli(['validate', '--max-warnings', '1', withWarning], fixtures)).code).toBe(0);
    const r = await runCli(['validate', '--max-warnings', '0', withWarning], fixtures);
    expect(r.code).toBe(1);
    expect(r.err).toContain('exceed --max-warnings 0');
  });

  it('checks several files in one run', async () => {
    const r = await runCli(['validate', '--format', 'json', clean, withError, withWarning], fixtures);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.out);
    expect(new Set(j.diagnostics.map((d: { file: string }) => d.file))).toEqual(
      new Set(['TMES0200-unknown-name.tmes', 'TMES0500-unused-definition.tmes']),
    );
  });

  it('json has the documented shape', async () => {
    const r = await runCli(['validate', '--format', 'json', withError], fixtures);
    const j = JSON.parse(r.out);
    expect(Object.keys(j)).toEqual(['formatVersion', 'valid', 'errorCount', 'warningCount', 'diagnostics']);
    expect(j).toMatchObject({ formatVersion: 1, valid: false, errorCount: 3, warningCount: 0 });
    expect(j.diagnostics[0]).toMatchObject({
      code: 'TMES0200',
      severity: 'error',
      file: 'TMES0200-unknown-name.tmes',
      line: 6,
      column: 13,
      endLine: 6,
      endColumn: 19,
    });
  });

  it('sarif validates against the SARIF 2.1.0 schema and names rules by code', async () => {
    const r = await runCli(['validate', '--format', 'sarif', withError, withWarning], fixtures);
    expect(r.code).toBe(1);
    const log = JSON.parse(r.out);
    const schema = JSON.parse(
      readFileSync(join(import.meta.dirname, '..', 'diagnostics', 'fixtures', 'sarif-schema-2.1.0.json'), 'utf8'),
    );
    const ajv = new Ajv({ strict: false, validateFormats: false });
    expect(ajv.validate(schema, log), JSON.stringify(ajv.errors)).toBe(true);
    const run = log.runs[0];
    expect(run.tool.driver.rules.map((x: { id: string }) => x.id).sort()).toEqual(['TMES0200', 'TMES0500']);
    expect(run.results[0].partialFingerprints.primaryLocationLineHash).toMatch(/^[0-9a-f]+:\d+$/);
    expect(run.results[0].locations[0].physicalLocation.artifactLocation.uri).toBe('TMES0200-unknown-name.tmes');
  });

  it('github annotations are workflow commands', async () => {
    const r = await runCli(['validate', '--format', 'github', withError], fixtures);
    expect(r.out.split('\n')[0]).toBe(
      "::error file=TMES0200-unknown-name.tmes,line=6,col=13,endLine=6,endColumn=19,title=TMES0200::unknown tap 'core-b'; did you mean 'core-a'?%0Afix: replace with 'core-a'",
    );
  });

  it('exits 2 on a missing file, an unknown format, a bad option', async () => {
    const missing = await runCli(['validate', 'nope.tmes'], fixtures);
    expect(missing.code).toBe(2);
    expect(missing.err).toBe('tmesc: nope.tmes: no such file\n');
    expect((await runCli(['validate', '--format', 'xml', clean])).code).toBe(2);
    expect((await runCli(['validate', '--max-warnings', 'many', clean])).code).toBe(2);
    expect((await runCli(['validate'])).code).toBe(2);
    expect((await runCli(['frobnicate'])).code).toBe(2);
  });

  it('a directory or binary garbage is reported, never a stack trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tmesc-'));
    const junk = join(dir, 'junk.tmes');
    writeFileSync(junk, Buffer.from([0, 1, 2, 0xff, 0xfe, 0x22, 0x0a, 0x7b, 0x7d]));
    const r = await runCli(['validate', junk, dir], dir);
    expect(r.code).toBe(2);
    expect(r.out + r.err).not.toMatch(/\n\s+at /);
    expect(r.out).toContain('TMES0001');
  });

  it('the installed bin runs (built by npm ci through prepare)', () => {
    const bin = join(import.meta.dirname, '..', '..', 'bin', 'tmesc.js');
    const r = spawnSync(process.execPath, [bin, 'validate', clean], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('no problems in 1 file\n');
  });
});
