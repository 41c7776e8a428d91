import { app, type InvocationContext, type Timer } from '@azure/functions';
import { settings } from '../shared/platform/settings';

/** Deletes the assistant's conversations (their transcripts) not changed for ASSISTANT_RETENTION_DAYS, and logs how many. */
export async function assistantRetention(_timer: Timer, context: InvocationContext): Promise<void> {
  const { deleteOldConversations } = await import('../shared/assistant/conversationTable');
  const { table, retentionDays } = settings().assistant;
  const deleted = await deleteOldConversations(table, retentionDays);
  context.log(JSON.stringify({ event: 'assistant-retention', retentionDays, deleted }));
}

app.timer('assistantRetention', { schedule: settings().assistant.retentionSchedule, handler: assistantRetention });
