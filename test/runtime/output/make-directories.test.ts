import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeDirectories } from '../../../src/runtime/output/make-directories.js';

const root = mkdtempSync(join(tmpdir(), 'tmesc-mkdirs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('makeDirectories (mkdir -p for outputs: run, live, host-link)', () => {
  it('makes every missing level, and again is no error', () => {
    const d = join(root, 'a', 'b', 'c');
    makeDirectories(d);
    expect(statSync(d).isDirectory()).toBe(true);
    makeDirectories(d);
    makeDirectories(root);
  });

  it('a file in the way is an error naming the path', () => {
    writeFileSync(join(root, 'file'), '');
    expect(() => makeDirectories(join(root, 'file', 'x'))).toThrow(/ENOTDIR|EEXIST/);
  });

  // Node's recursive mkdirSync loops for ever here (mkdir answers ENOENT under a parent that exists)
  it.skipIf(!existsSync('/proc/self'))('under /proc it throws at once instead of spinning', () => {
    expect(() => makeDirectories('/proc/tmesc-no-such/x')).toThrow(/ENOENT|EACCES|EPERM/);
  });
});
