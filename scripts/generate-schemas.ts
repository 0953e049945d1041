// Writes schemas/*.json from the schemas in the code (src/cli/schemas.ts); test/cli/schemas.test.ts fails while one is stale.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PUBLISHED_SCHEMAS, schemaFileName, schemaText } from '../src/cli/schemas.js';

const dir = join(import.meta.dirname, '..', 'schemas');
for (const s of PUBLISHED_SCHEMAS) writeFileSync(join(dir, schemaFileName(s)), schemaText(s));
