import { existsSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BUNDLE_ID_FILE, buildIdentity, bundleId, sha256Hex } from '../../src/cli/build-identity.js';
import { cacheDir, type Reads, recordingReader } from '../../src/cli/policy-cache.js';
import { chevrotainFiles } from '../../src/syntax/chevrotain-files.js';
import { ROOT } from './built.js';

describe('build identity', () => {
  function bundleDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'tmesc-bid-'));
    writeFileSync(join(dir, 'main.js'), 'export {};\n');
    writeFileSync(join(dir, 'chunk-A.js'), 'export const a = 1;\n');
    return dir;
  }

  it('the bundle id changes with any byte or name of the bundle, and ignores the id file itself', () => {
    const dir = bundleDir();
    const id = bundleId(dir);
    writeFileSync(join(dir, BUNDLE_ID_FILE), id);
    expect(bundleId(dir)).toBe(id);
    writeFileSync(join(dir, 'chunk-A.js'), 'export const a = 2;\n');
    expect(bundleId(dir)).not.toBe(id);
    writeFileSync(join(dir, 'chunk-A.js'), 'export const a = 1;\n');
    expect(bundleId(dir)).toBe(id);
    renameSync(join(dir, 'chunk-A.js'), join(dir, 'chunk-B.js'));
    expect(bundleId(dir)).not.toBe(id);
  });

  it('is the bundle id, the package version, chevrotain (by content) and the Node that runs; none without an id file (not the bundle)', () => {
    const dir = bundleDir();
    const here = pathToFileURL(join(dir, 'main.js'));
    expect(buildIdentity(here)).toBeUndefined();
    expect(buildIdentity()).toBeUndefined();
    writeFileSync(join(dir, BUNDLE_ID_FILE), `${bundleId(dir)}\n`);
    const id = JSON.parse(buildIdentity(here)!);
    const chevrotain = JSON.parse(
      readFileSync(join(ROOT, 'node_modules', 'chevrotain', 'package.json'), 'utf8'),
    ).version;
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
    const chevrotainBundle = readFileSync(chevrotainFiles().bundle);
    expect(id).toEqual({
      bundle: bundleId(dir),
      tmesc: pkg,
      chevrotain: `${chevrotain} ${sha256Hex(chevrotainBundle)}`,
      node: process.version,
      v8: process.versions.v8,
    });
    writeFileSync(join(dir, BUNDLE_ID_FILE), 'not an id\n');
    expect(buildIdentity(here)).toBeUndefined();
  });

  it.skipIf(!existsSync(join(ROOT, 'dist', 'bundle', BUNDLE_ID_FILE)))(
    'the built bundle carries the id of what it holds',
    () => {
      const bundle = join(ROOT, 'dist', 'bundle');
      expect(readFileSync(join(bundle, BUNDLE_ID_FILE), 'utf8').trim()).toBe(bundleId(bundle));
    },
  );
});

describe('where the cache lives', () => {
  it('TMESC_CACHE_DIR, else $XDG_CACHE_HOME/tmesc (when absolute), else ~/.cache/tmesc', () => {
    expect(cacheDir({ TMESC_CACHE_DIR: '/c/t', XDG_CACHE_HOME: '/x' })).toBe('/c/t');
    expect(cacheDir({ TMESC_CACHE_DIR: 'rel' })).toBe(resolve('rel'));
    expect(cacheDir({ XDG_CACHE_HOME: '/x' })).toBe('/x/tmesc');
    expect(cacheDir({ TMESC_CACHE_DIR: '', XDG_CACHE_HOME: 'relative' })).toBe(join(homedir(), '.cache', 'tmesc'));
    expect(cacheDir({})).toBe(join(homedir(), '.cache', 'tmesc'));
  });
});

describe('what a compile read, as the cache records it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tmesc-reads-'));
  const fresh = (): Reads => ({ texts: new Map(), complete: true });

  it('keeps the text each file read, once', () => {
    const f = join(dir, 'a.tmes');
    writeFileSync(f, 'one');
    const reads = fresh();
    const read = recordingReader(reads);
    expect(String(read(f))).toBe('one');
    expect(String(read(f))).toBe('one');
    expect(reads).toEqual({ texts: new Map([[f, 'one']]), complete: true });
  });

  it('a file that reads differently the second time spoils the record (it would name text the compile did not all see)', () => {
    const f = join(dir, 'b.tmes');
    writeFileSync(f, 'one');
    const reads = fresh();
    const read = recordingReader(reads);
    read(f);
    writeFileSync(f, 'two');
    expect(String(read(f))).toBe('two');
    expect(reads.complete).toBe(false);
    expect(reads.texts.get(f)).toBe('one');
  });

  it('a failed read, or anything but a regular file, spoils it too', () => {
    const reads = fresh();
    expect(() => recordingReader(reads)(join(dir, 'missing.tmes'))).toThrow();
    expect(reads.complete).toBe(false);
    const dev = fresh();
    recordingReader(dev)('/dev/null');
    expect(dev.complete).toBe(false);
  });
});
