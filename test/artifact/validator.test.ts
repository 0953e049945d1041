import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { SCHEMA_PATH, schemaJson, VALIDATOR_PATH, validatorSource } from '../../src/artifact/generate-validator.js';
import { ARTIFACT_SCHEMA } from '../../src/artifact/schema.js';
import { validate as generated } from '../../src/artifact/schema-validator.generated.js';

describe('the precompiled artifact validator', () => {
  it('is up to date with schema.ts', () => {
    const stale = readFileSync(VALIDATOR_PATH, 'utf8') !== validatorSource();
    expect(
      stale,
      'src/artifact/schema-validator.generated.ts is out of date: run `npx tsx src/artifact/generate-validator.ts` and commit the result',
    ).toBe(false);
  });

  it('the published schema file (schemas/artifact-2.json) is schema.ts, and artifacts name it by its $id', () => {
    expect(
      readFileSync(SCHEMA_PATH, 'utf8') === schemaJson(),
      'schemas/artifact-2.json is out of date: run `npx tsx src/artifact/generate-validator.ts` and commit the result',
    ).toBe(true);
    const published = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8'));
    expect(published.$id).toBe('https://tmesc.dev/schemas/artifact-2.json');
    // the schema accepts the member that names it, and nothing else new
    const live = new Ajv({ allErrors: true, strict: true }).compile(published);
    expect(published.properties.$schema.type).toBe('string');
    expect(live({ $schema: 1 })).toBe(false);
  });

  it('accepts and rejects what ajv compiling the schema at run time does', () => {
    const live = new Ajv({ allErrors: true, strict: true }).compile(ARTIFACT_SCHEMA);
    const art = { format: 'tmesc-artifact', formatVersion: 2, compiler: { name: 'tmesc', version: 'x' } };
    const cases: unknown[] = [{}, art, { ...art, format: 'other' }, { ...art, extra: 1 }, [], null, 'text'];
    for (const c of cases) {
      expect(generated(c), JSON.stringify(c)).toBe(live(c));
      expect((generated as unknown as { errors: unknown[] | null }).errors?.length ?? 0).toBe(live.errors?.length ?? 0);
    }
  });
});
