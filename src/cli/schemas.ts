import { BASELINE_SCHEMA } from './lint/baseline-schema.js';
import { CONFIG_SCHEMA } from './lint/config-schema.js';
import { TESTS_SCHEMA } from './policy-test/schema.js';
import { OPENFLOW_REPORT_SCHEMA } from '../openflow/report-schema.js';

/**
 * The JSON Schemas of the files tmesc reads besides policies (and of the
 * report `tmesc compile --emit openflow` writes), published in
 * schemas/ under the last part of their $id (what the files name in
 * `$schema`). `npx tsx scripts/generate-schemas.ts` writes them; a test fails
 * while one is stale. (The artifact's, schemas/artifact-2.json, is written by
 * src/artifact/generate-validator.ts with its validator.)
 */
export const PUBLISHED_SCHEMAS: readonly { $id: string }[] = [
  TESTS_SCHEMA,
  CONFIG_SCHEMA,
  BASELINE_SCHEMA,
  OPENFLOW_REPORT_SCHEMA,
];

export function schemaFileName(schema: { $id: string }): string {
  return schema.$id.slice(schema.$id.lastIndexOf('/') + 1);
}

export function schemaText(schema: object): string {
  return JSON.stringify(schema, null, 2) + '\n';
}
