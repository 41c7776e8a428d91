// npm run schema: writes schema/outbound-message.schema.json from the zod definition in
// shared/outbound/schema.ts. test/unit/outbound/schema.test.ts fails when the file is out of date.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { outboundMessageJsonSchema } from '../shared/outbound/schema';

export const SCHEMA_FILE = join('schema', 'outbound-message.schema.json');

export function schemaFileText(): string {
  return `${JSON.stringify(outboundMessageJsonSchema(), null, 2)}\n`;
}

if (require.main === module) {
  mkdirSync('schema', { recursive: true });
  writeFileSync(SCHEMA_FILE, schemaFileText());
  console.log(`Wrote ${SCHEMA_FILE}`);
}
