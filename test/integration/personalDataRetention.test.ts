// The retention of the stores that hold personal data besides the ledger (operatorTools.test.ts has its timer),
// against Azurite: activity rows go ACTIVITY_RETENTION_DAYS after they were written, the assistant's conversations
// ASSISTANT_RETENTION_DAYS after their last change; younger ones stay.
import { TableClient } from '@azure/data-tables';
import { startAzurite, type RunningAzurite } from '../../devhost/services';
import { activityRetentionFilter } from '../../shared/activity/activity';
import { deleteActivity, recordActivity } from '../../shared/activity/activityTable';
import { newConversation } from '../../shared/assistant/conversation';
import { deleteOldConversations, writeConversation } from '../../shared/assistant/conversationTable';
import { resetSettingsForTests } from '../../shared/platform/settings';
import { resetStorageClientsForTests } from '../../shared/platform/storageClients';

const DAY_MS = 86_400_000;
const env = { ...process.env };
let azurite: RunningAzurite;

beforeAll(async () => {
  azurite = await startAzurite();
  Object.assign(process.env, { AzureWebJobsStorage: azurite.connectionString });
  resetSettingsForTests();
  resetStorageClientsForTests();
});

afterAll(async () => {
  process.env = env;
  resetSettingsForTests();
  resetStorageClientsForTests();
  await azurite?.stop();
});

async function rowKeys(table: string): Promise<string[]> {
  const client = TableClient.fromConnectionString(azurite.connectionString, table, { allowInsecureConnection: true });
  const keys: string[] = [];
  for await (const entity of client.listEntities()) keys.push(`${entity.partitionKey}|${entity.rowKey}`);
  return keys.sort();
}

test('activity rows older than the retention are deleted, younger ones stay', async () => {
  const now = new Date();
  const row = (eventId: string, ageDays: number) => ({
    eventId,
    kind: 'sms' as const,
    at: new Date(now.getTime() - ageDays * DAY_MS).toISOString(),
    from: '+15557650003',
    outcome: 'received',
  });
  for (const [id, age] of [
    ['old', 91],
    ['older', 400],
    ['young', 89],
    ['today', 0],
  ] as const)
    await recordActivity('retentionactivity', row(id, age));
  expect(await deleteActivity('retentionactivity', activityRetentionFilter(now, 90))).toBe(2);
  expect(await rowKeys('retentionactivity')).toEqual(['inbound|today', 'inbound|young']);
});

test("the assistant's conversations are deleted the retention after their last change, not before", async () => {
  const now = new Date();
  await writeConversation('retentionassistant', { conversation: newConversation(`CA${'d'.repeat(32)}`, now), completed: true });
  expect(await deleteOldConversations('retentionassistant', 30, new Date(now.getTime() + 29 * DAY_MS))).toBe(0);
  expect(await rowKeys('retentionassistant')).toHaveLength(1);
  expect(await deleteOldConversations('retentionassistant', 30, new Date(now.getTime() + 31 * DAY_MS))).toBe(1);
  expect(await rowKeys('retentionassistant')).toEqual([]);
});
