import { Ajv } from 'ajv';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PUBLISHED_SCHEMAS, schemaFileName, schemaText } from '../../src/cli/schemas.js';
import { ARTIFACT_SCHEMA } from '../../src/artifact/schema.js';

const ROOT = join(import.meta.dirname, '..', '..');

describe('published JSON Schemas', () => {
  for (const s of PUBLISHED_SCHEMAS) {
    const file = schemaFileName(s);
    it(`schemas/${file} is current (npx tsx scripts/generate-schemas.ts) and a valid draft-07 schema`, () => {
      expect(readFileSync(join(ROOT, 'schemas', file), 'utf8')).toBe(schemaText(s));
      expect(() =>
        new Ajv({ strictSchema: true, strictTypes: true, strictTuples: true, allowUnionTypes: true }).compile(s),
      ).not.toThrow();
    });
  }

  it('every schema tmesc publishes is in the package (the files list names schemas/)', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { files: string[] };
    expect(pkg.files).toContain('schemas');
    const artifact = schemaFileName(ARTIFACT_SCHEMA);
    expect(readFileSync(join(ROOT, 'schemas', artifact), 'utf8')).toContain(ARTIFACT_SCHEMA.$id);
  });

  it('the example tests file names its schema and follows it', () => {
    const tests = JSON.parse(readFileSync(join(ROOT, 'rules', 'examples', 'datacenter.tests.json'), 'utf8'));
    const schema = PUBLISHED_SCHEMAS.find((s) => s.$id === tests.$schema);
    expect(schema).toBeDefined();
    const validate = new Ajv({ strict: false }).compile(schema!);
    expect(validate(tests), JSON.stringify(validate.errors)).toBe(true);
  });
});
