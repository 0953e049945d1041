import { existsSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BUNDLE_ID_FILE, buildIdentity, bundleId } from '../../src/cli/build-identity.js';
import { cacheDir } from '../../src/cli/policy-cache.js';
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

  it('is the bundle id, the package version and chevrotain; none without an id file (not the bundle)', () => {
    const dir = bundleDir();
    const here = pathToFileURL(join(dir, 'main.js'));
    expect(buildIdentity(here)).toBeUndefined();
    expect(buildIdentity()).toBeUndefined();
    writeFileSync(join(dir, BUNDLE_ID_FILE), `${bundleId(dir)}\n`);
    const id = JSON.parse(buildIdentity(here)!);
    const chevrotain = JSON.parse(readFileSync(join(ROOT, 'node_modules', 'chevrotain', 'package.json'), 'utf8')).version;
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
    expect(id).toEqual({ bundle: bundleId(dir), tmesc: pkg, chevrotain: expect.stringMatching(new RegExp(`^${chevrotain.replace(/\./g, '\\.')} \\d+ [\\d.]+$`)) });
    writeFileSync(join(dir, BUNDLE_ID_FILE), 'not an id\n');
    expect(buildIdentity(here)).toBeUndefined();
  });

  it.skipIf(!existsSync(join(ROOT, 'dist', 'bundle', BUNDLE_ID_FILE)))('the built bundle carries the id of what it holds', () => {
    const bundle = join(ROOT, 'dist', 'bundle');
    expect(readFileSync(join(bundle, BUNDLE_ID_FILE), 'utf8').trim()).toBe(bundleId(bundle));
  });
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
