// The events queue as a queue output binding, for the webhooks that publish an event on every request. The
// Functions host writes the message, outside the Node worker, after the handler returns and before it sends the
// HTTP answer; a write that fails fails the invocation, and the host answers 500 (docs/events.md, Where).
import type { StorageQueueOutput } from '@azure/functions';

/** `%EVENTS_QUEUE%` is resolved by the app's entry at start from the settings in effect (see platform/lazyFunctions.ts). */
export const EVENTS_QUEUE_OUTPUT = {
  type: 'queue',
  name: 'eventsQueue',
  queueName: '%EVENTS_QUEUE%',
  connection: 'AzureWebJobsStorage',
} as const satisfies StorageQueueOutput;
