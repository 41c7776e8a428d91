// npm run schema: writes schema/outbound-message.schema.json from the zod definition in
// shared/outbound/schema.ts, and schema/events/<type>.schema.json from shared/events/schemas.ts.
// test/unit/outbound/schema.test.ts and test/unit/events/schemas.test.ts fail when a file is out of date.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { outboundMessageJsonSchema } from '../shared/outbound/schema';
import { EVENT_TYPES } from '../shared/events/cloudEvent';
import { eventJsonSchema } from '../shared/events/schemas';
import { parseToolArgs, runTool, UsageError } from './toolCli';

export const SCHEMA_FILE = join('schema', 'outbound-message.schema.json');

export function schemaFileText(): string {
  return `${JSON.stringify(outboundMessageJsonSchema(), null, 2)}\n`;
}

/** Each event type's schema file and its text. */
export function eventSchemaFiles(): Array<{ file: string; text: string }> {
  return Object.values(EVENT_TYPES).map((type) => ({
    file: join('schema', 'events', `${type}.schema.json`),
    text: `${JSON.stringify(eventJsonSchema(type), null, 2)}\n`,
  }));
}

const USAGE = `Usage:
  npm run schema

Writes ${SCHEMA_FILE} and schema/events/<type>.schema.json from the app's zod definitions (commit them).`;

if (require.main === module)
  void runTool({
    usage: USAGE,
    main: (args) => {
      const { positionals } = parseToolArgs(args, {}, true);
      if (positionals.length) throw new UsageError(`Unexpected argument: ${positionals.join(' ')}`);
      mkdirSync(join('schema', 'events'), { recursive: true });
      writeFileSync(SCHEMA_FILE, schemaFileText());
      console.log(`Wrote ${SCHEMA_FILE}`);
      for (const { file, text } of eventSchemaFiles()) {
        writeFileSync(file, text);
        console.log(`Wrote ${file}`);
      }
      return 0;
    },
  });
