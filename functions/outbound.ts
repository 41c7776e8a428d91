import { app, type InvocationContext } from '@azure/functions';
import { decodeQueueMessage } from '../shared/outbound/decode';
import { settings } from '../shared/settings';
import { twilioClient } from '../shared/twilioRest';

interface SliceMessage {
  type: 'sms' | 'call';
  to: string;
  body?: string;
  url?: string;
}

/** Sends the SMS or places the call a queue message asks for. */
export async function outbound(queueItem: unknown, context: InvocationContext): Promise<void> {
  const message = decodeQueueMessage(queueItem) as SliceMessage;
  const { fromNumber } = settings().twilio;
  const client = await twilioClient();
  if (message.type === 'sms') {
    const sent = await client.messages.create({ to: message.to, from: fromNumber, body: message.body });
    context.log(`outbound sms sent sid=${sent.sid}`);
  } else {
    const call = await client.calls.create({ to: message.to, from: fromNumber!, url: message.url });
    context.log(`outbound call placed sid=${call.sid}`);
  }
}

app.storageQueue('outbound', { queueName: settings().outboundQueue, connection: 'AzureWebJobsStorage', handler: outbound });
