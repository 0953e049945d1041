import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkPolicyFile, type CheckOptions } from '../../src/check/check.js';
import { PolicyReadError } from '../../src/check/load.js';
import { locate } from '../../src/diagnostics/diagnostic.js';
import { renderText } from '../../src/diagnostics/render/index.js';
import { runCli } from '../cli/helpers.js';

/**
 * Includes are input anyone editing a policy controls, and `tmesc validate`
 * runs on untrusted pull requests: an include reads only a regular file, of
 * bounded size, inside the directories allowed, and a file that is not a
 * policy is refused without a word of its content.
 */
const TAIL = 'tap t { source pcap "a.pcap" }\ngroup g { tool o { output pcap "o.pcap" } }\nrule r match tcp to g\n';

function workspace(): string {
  return mkdtempSync(join(tmpdir(), 'tmesc-load-'));
}

function check(dir: string, includes: string[], options: CheckOptions = {}) {
  const path = join(dir, 'policy.tmes');
  writeFileSync(path, `policy "p"\n${includes.map((i) => `include "${i}"`).join('\n')}\n${TAIL}`);
  const result = checkPolicyFile(path, { cwd: dir, ...options });
  const shown = renderText(result.diagnostics, { fileCount: 1 });
  return {
    codes: result.diagnostics.map((d) => `${d.code} ${locate(d).line}:${locate(d).column}`),
    messages: result.diagnostics.map((d) => d.message),
    shown,
    files: result.policy.files,
  };
}

describe('includes read only regular files', () => {
  it('/dev/zero is refused at once (it would never end)', () => {
    const r = check(workspace(), ['/dev/zero'], { includeRoots: ['/dev'] });
    expect(r.codes).toEqual(['TMES0110 2:9']);
    expect(r.messages[0]).toContain('/dev/zero is a character device, not a regular file');
  });

  it('a FIFO nobody writes is refused without blocking on it', () => {
    const dir = workspace();
    execFileSync('mkfifo', [join(dir, 'pipe.tmes')]);
    const r = check(dir, ['pipe.tmes']);
    expect(r.codes).toEqual(['TMES0110 2:9']);
    expect(r.messages[0]).toContain('is a FIFO (named pipe), not a regular file');
  });

  it('a directory is refused', () => {
    const dir = workspace();
    mkdirSync(join(dir, 'lib'));
    expect(check(dir, ['lib']).codes).toEqual(['TMES0110 2:9']);
  });

  it('a file over the size limit is refused, and so is one that would take the policy over its total', () => {
    const dir = workspace();
    writeFileSync(join(dir, 'big.tmes'), `define ports P = ${Array.from({ length: 400 }, (_, i) => i).join(', ')}\n`);
    writeFileSync(join(dir, 'small.tmes'), 'define ports Q = 1\n');
    const tooBig = check(dir, ['big.tmes'], { maxFileBytes: 1000 });
    expect(tooBig.codes).toEqual(['TMES0111 2:9']);
    expect(tooBig.messages[0]).toContain('is larger than 1000 bytes, the most a policy file may hold');
    const total = check(dir, ['small.tmes', 'big.tmes'], { maxTotalBytes: 1200 });
    expect(total.codes).toEqual(['TMES0111 3:9']);
    expect(total.messages[0]).toContain('more than 1200 bytes, the most they may together');
  });

  it('the top-level policy may be a pipe, but not endless: /dev/zero ends at the size limit', () => {
    expect(() => checkPolicyFile('/dev/zero', { maxFileBytes: 4096 })).toThrow(PolicyReadError);
    expect(() => checkPolicyFile('/dev/zero', { maxFileBytes: 4096 })).toThrow(
      'is larger than 4 KiB, the most a policy file may hold',
    );
  });
});

describe('includes stay inside the allowed directories', () => {
  it('reads libraries under the policy directory and the working directory', () => {
    const cwd = workspace();
    const dir = join(cwd, 'policies');
    mkdirSync(join(dir, 'lib'), { recursive: true });
    mkdirSync(join(cwd, 'shared'));
    writeFileSync(join(dir, 'lib', 'a.tmes'), 'define ports A = 80\n');
    writeFileSync(join(cwd, 'shared', 'b.tmes'), 'define ports B = 443\n');
    const r = check(dir, ['lib/a.tmes', '../shared/b.tmes'], { cwd });
    expect(r.codes).toEqual([]);
    expect(r.files).toHaveLength(3);
  });

  it('refuses a path outside them, and says how to allow it', () => {
    const cwd = workspace();
    const outside = workspace();
    writeFileSync(join(outside, 'lib.tmes'), 'define ports A = 80\n');
    const refused = check(cwd, [join(outside, 'lib.tmes')]);
    expect(refused.codes).toEqual(['TMES0112 2:9']);
    expect(refused.messages[0]).toContain('--include-root DIR or TMESC_INCLUDE_PATH');
    expect(check(cwd, [join(outside, 'lib.tmes')], { includeRoots: [outside] }).codes).toEqual([]);
  });

  it('follows symbolic links before deciding: a link out of the tree is refused', () => {
    const dir = workspace();
    const outside = workspace();
    writeFileSync(join(outside, 'secret.tmes'), 'define ports S = 22\n');
    symlinkSync(join(outside, 'secret.tmes'), join(dir, 'innocent.tmes'));
    symlinkSync(outside, join(dir, 'linked-dir'));
    const r = check(dir, ['innocent.tmes', 'linked-dir/secret.tmes']);
    expect(r.codes).toEqual(['TMES0112 2:9', 'TMES0112 3:9']);
    expect(r.messages[0]).toContain(join(outside, 'secret.tmes'));
  });

  it('/etc/shadow and /proc/self/environ are outside, and their content never shows', () => {
    const r = check(workspace(), ['/etc/shadow', '/proc/self/environ']);
    expect(r.codes).toEqual(['TMES0112 2:9', 'TMES0112 3:9']);
    expect(r.shown).not.toContain('PATH=');
  });
});

describe('a file that is not a policy is never shown', () => {
  it('/proc/self/environ, even when its directory is allowed, is refused without its content', () => {
    const before = process.env.TMESC_TEST_SECRET;
    process.env.TMESC_TEST_SECRET = 'hunter2-do-not-print';
    try {
      const r = check(workspace(), ['/proc/self/environ'], { includeRoots: ['/proc'] });
      expect(r.codes).toEqual(['TMES0113 2:9']);
      expect(r.messages[0]).toContain('it holds NUL bytes');
      expect(r.shown).not.toContain('hunter2');
      expect(r.shown).not.toContain('PATH=');
    } finally {
      if (before === undefined) delete process.env.TMESC_TEST_SECRET;
      else process.env.TMESC_TEST_SECRET = before;
    }
  });

  it('a text file that does not start with a statement, or is not UTF-8, is refused without its content', () => {
    const dir = workspace();
    writeFileSync(join(dir, 'shadow'), 'root:$6$saltsalt$hashhashhash:19000:0:99999:7:::\n');
    writeFileSync(join(dir, 'env'), 'group=admins\nTOKEN=abc123\n');
    writeFileSync(join(dir, 'latin1.tmes'), Buffer.from([0x64, 0x65, 0x66, 0x69, 0x6e, 0x65, 0x20, 0xe9, 0x0a]));
    const r = check(dir, ['shadow', 'env', 'latin1.tmes']);
    expect(r.codes).toEqual(['TMES0113 2:9', 'TMES0113 3:9', 'TMES0113 4:9']);
    expect(r.messages[2]).toContain('it is not UTF-8 text');
    for (const secret of ['hashhash', 'TOKEN', 'abc123', 'admins']) expect(r.shown).not.toContain(secret);
  });

  it('a library that starts with comments and blank lines is a policy', () => {
    const dir = workspace();
    writeFileSync(join(dir, 'lib.tmes'), '\n# ports # with # hashes\n\n  define ports A = 80\n');
    expect(check(dir, ['lib.tmes']).codes).toEqual([]);
  });
});

describe('the command line', () => {
  it('--include-root and TMESC_INCLUDE_PATH allow a library directory outside the tree', async () => {
    const cwd = workspace();
    const lib = workspace();
    const other = workspace();
    writeFileSync(join(lib, 'ports.tmes'), 'define ports WEB = 80, 443\n');
    writeFileSync(join(other, 'nets.tmes'), 'define net LAB = 10.0.0.0/8\n');
    writeFileSync(
      join(cwd, 'p.tmes'),
      `policy "p"\ninclude "${join(lib, 'ports.tmes')}"\ninclude "${join(other, 'nets.tmes')}"\n${TAIL.replace('match tcp', 'match tcp port WEB and net LAB')}`,
    );
    const policy = join(cwd, 'p.tmes');
    const refused = await runCli(['validate', policy], cwd);
    expect(refused.code).toBe(1);
    expect(refused.out.match(/error TMES0112/g)).toHaveLength(2);
    const before = process.env.TMESC_INCLUDE_PATH;
    process.env.TMESC_INCLUDE_PATH = `${other}:`;
    try {
      const allowed = await runCli(['validate', '--include-root', lib, policy], cwd);
      expect(allowed.out).not.toContain('TMES0112');
      expect(allowed.code).toBe(0);
      const compiled = await runCli(['compile', '--include-root', lib, policy, '--emit', 'listing'], cwd);
      expect(compiled.code).toBe(0);
    } finally {
      if (before === undefined) delete process.env.TMESC_INCLUDE_PATH;
      else process.env.TMESC_INCLUDE_PATH = before;
    }
    const missing = await runCli(['validate', '--include-root', join(cwd, 'nope'), policy], cwd);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('--include-root');
  });
});
