// Builds the VS Code extension and packages it as a .vsix with vsce:
//   node editors/vscode/build.mjs [OUT.vsix]
// The extension's code is bundled with vscode-languageclient (esbuild); the
// TextMate grammar and the JSON schemas are copied from the repository's
// generated files (grammar/, schemas/), never kept in two places.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..');
const out = resolve(process.argv[2] ?? join(here, 'tmes.vsix'));

await build({
  entryPoints: [join(here, 'src', 'extension.js')],
  outfile: join(here, 'dist', 'extension.js'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node18',
  external: ['vscode'],
  minify: true,
  logLevel: 'warning',
});
mkdirSync(join(here, 'syntaxes'), { recursive: true });
copyFileSync(join(repo, 'grammar', 'tmes.tmLanguage.json'), join(here, 'syntaxes', 'tmes.tmLanguage.json'));
mkdirSync(join(here, 'schemas'), { recursive: true });
for (const s of ['config-1.json', 'tests-1.json', 'baseline-1.json'])
  copyFileSync(join(repo, 'schemas', s), join(here, 'schemas', s));

// vsce from the repository's devDependencies; --no-dependencies: the bundle holds them
const vsce = join(dirname(createRequire(import.meta.url).resolve('@vscode/vsce/package.json')), 'vsce');
const r = spawnSync(
  process.execPath,
  [vsce, 'package', '--no-dependencies', '--skip-license', '--allow-missing-repository', '--out', out],
  { cwd: here, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
);
process.stdout.write(r.stdout);
process.stderr.write(r.stderr);
if (r.status !== 0) process.exit(r.status ?? 1);
