import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chevrotainFiles } from '../syntax/chevrotain-files.js';
import { packageVersion } from './io.js';

/** The hex sha256 of bytes, or of a string's UTF-8 encoding. */
export const sha256Hex = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** Written beside the bundle's chunks by scripts/bundle.mjs: bundleId of that directory. */
export const BUNDLE_ID_FILE = 'bundle-id.txt';

/**
 * A hash of every file in the directory, names and bytes, but the id file:
 * any change to the bundled code (tmesc's, commander's, ajv's) changes it,
 * and nothing else does.
 */
export function bundleId(dir: string): string {
  const parts: string[] = [];
  // a subdirectory throws (EISDIR): the build fails rather than write an id that does not cover it
  for (const name of readdirSync(dir).sort()) {
    if (name !== BUNDLE_ID_FILE) parts.push(name, sha256Hex(readFileSync(join(dir, name))));
  }
  return sha256Hex(parts.join('\0'));
}

/**
 * Names the tmesc that is running, for the policy cache: the bundle's id, the
 * package version (it goes into every artifact), the chevrotain the parser
 * loads at run time (the bundle leaves it out) and the Node and V8 running. Equal identities compile a
 * policy alike. Undefined when tmesc is not running from the bundle (tsc's
 * dist/, or the sources under vitest): there is no id that covers that code,
 * so nothing is cached.
 */
export function buildIdentity(moduleUrl: string | URL = import.meta.url): string | undefined {
  let bundle: string;
  try {
    bundle = readFileSync(new URL(BUNDLE_ID_FILE, moduleUrl), 'utf8').trim();
  } catch {
    return undefined;
  }
  if (!/^[0-9a-f]{64}$/.test(bundle)) return undefined;
  let chevrotain: string;
  try {
    const files = chevrotainFiles();
    const { version } = JSON.parse(readFileSync(files.packageJson, 'utf8')) as { version: unknown };
    // the one-file build is what loads; hashed (141 KB, under 1 ms), since a copy can keep a size and a time.
    // Without it chevrotain loads from hundreds of modules no hash here covers: no identity, no cache.
    chevrotain = `${String(version)} ${sha256Hex(readFileSync(files.bundle))}`;
  } catch {
    return undefined;
  }
  // the front end runs on the running Node and V8 (chevrotain's lexer uses V8's RegExp; user patterns no longer do, src/patterns/): a cache entry is kept to one runtime
  return JSON.stringify({
    bundle,
    tmesc: packageVersion(),
    chevrotain,
    node: process.version,
    v8: process.versions.v8,
  });
}
