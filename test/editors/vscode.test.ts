import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The VS Code extension (editors/vscode) builds and packages with vsce, offline
 * (its dependencies come with the repository's devDependencies), and the .vsix
 * is what VS Code installs: a zip with [Content_Types].xml, an
 * extension.vsixmanifest naming it, and the extension: its package.json, the
 * bundled client, the grammar copied from grammar/ and the schemas from schemas/.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const TMP = mkdtempSync(join(tmpdir(), 'tmesc-vsix-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

/** The entries of a zip file, read from its central directory. */
function unzip(buf: Buffer): Map<string, Buffer> {
  let eocd = buf.length - 22;
  while (eocd >= 0 && buf.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  if (eocd < 0) throw new Error('not a zip file: no end of central directory');
  const count = buf.readUInt16LE(eocd + 10);
  let at = buf.readUInt32LE(eocd + 16);
  const out = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    if (buf.readUInt32LE(at) !== 0x02014b50) throw new Error('bad central directory entry');
    const method = buf.readUInt16LE(at + 10);
    const compressed = buf.readUInt32LE(at + 20);
    const size = buf.readUInt32LE(at + 24);
    const nameLen = buf.readUInt16LE(at + 28);
    const extraLen = buf.readUInt16LE(at + 30);
    const commentLen = buf.readUInt16LE(at + 32);
    const local = buf.readUInt32LE(at + 42);
    const name = buf.toString('utf8', at + 46, at + 46 + nameLen);
    const dataAt = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const raw = buf.subarray(dataAt, dataAt + compressed);
    const data = method === 0 ? raw : inflateRawSync(raw);
    if (data.length !== size) throw new Error(`${name}: ${data.length} bytes, the directory says ${size}`);
    out.set(name, data);
    at += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

describe('VS Code extension package', () => {
  const vsix = join(TMP, 'tmes.vsix');
  const r = spawnSync(process.execPath, [join(ROOT, 'editors', 'vscode', 'build.mjs'), vsix], { encoding: 'utf8' });

  it('builds with vsce package', () => {
    expect(r.status, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toContain('Packaged');
  });

  it('is a .vsix: content types, a manifest that names the extension, and its files', () => {
    const files = unzip(readFileSync(vsix));
    const manifest = files.get('extension.vsixmanifest')!.toString('utf8');
    expect(XMLValidator.validate(manifest)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(manifest);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'editors', 'vscode', 'package.json'), 'utf8'));
    expect(doc.PackageManifest.Metadata.Identity).toMatchObject({
      Id: pkg.name,
      Publisher: pkg.publisher,
      Version: pkg.version,
    });
    const types = files.get('[Content_Types].xml')!.toString('utf8');
    expect(XMLValidator.validate(types)).toBe(true);
    expect(types).toContain('Extension=".json"');
    const shipped = JSON.parse(files.get('extension/package.json')!.toString('utf8'));
    expect(shipped.contributes.grammars[0].path).toBe('./syntaxes/tmes.tmLanguage.json');
    // the grammar is the generated one, copied at package time
    expect(files.get('extension/syntaxes/tmes.tmLanguage.json')!.toString('utf8')).toBe(
      readFileSync(join(ROOT, 'grammar', 'tmes.tmLanguage.json'), 'utf8'),
    );
    for (const s of ['config-1.json', 'tests-1.json'])
      expect(files.get(`extension/schemas/${s}`)!.toString('utf8')).toBe(
        readFileSync(join(ROOT, 'schemas', s), 'utf8'),
      );
    // every file the manifest points at is in the package
    for (const p of [
      shipped.main,
      shipped.contributes.languages[0].configuration,
      ...shipped.contributes.jsonValidation.map((j: { url: string }) => j.url),
    ])
      expect(files.has(`extension/${p.replace(/^\.\//, '')}`), p).toBe(true);
  });

  it('the client is bundled (only vscode is left to the editor) and starts tmesc lsp --stdio', () => {
    const files = unzip(readFileSync(vsix));
    const js = files.get('extension/dist/extension.js')!.toString('utf8');
    const required = [...js.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]);
    expect(required.filter((m) => !m.startsWith('node:') && !/^[a-z_]+$/.test(m))).toEqual([]);
    expect(required).toContain('vscode');
    expect(js).toContain('"--stdio"');
    const check = spawnSync(process.execPath, ['--check', join(ROOT, 'editors', 'vscode', 'dist', 'extension.js')]);
    expect(check.status).toBe(0);
  });
});
