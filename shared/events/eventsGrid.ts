// The optional Event Grid topic (EVENT_GRID_TOPIC_ENDPOINT): @azure/eventgrid's publisher in CloudEvent mode,
// authenticated with the app's identity (the topic has local auth disabled). Loaded on first use.
import type { EventGridPublisherClient, SendCloudEventInput } from '@azure/eventgrid';
import { azureCredential } from '../platform/azureCredential';
import { cachedClient } from '../platform/clientCache';
import type { CloudEvent } from './cloudEvent';

const clients = new Map<string, Promise<EventGridPublisherClient<'CloudEvent'>>>();

async function createClient(endpoint: string): Promise<EventGridPublisherClient<'CloudEvent'>> {
  const { EventGridPublisherClient } = await import('@azure/eventgrid');
  return new EventGridPublisherClient(endpoint, 'CloudEvent', await azureCredential());
}

function client(endpoint: string): Promise<EventGridPublisherClient<'CloudEvent'>> {
  return cachedClient(clients, endpoint, () => createClient(endpoint));
}

function toInput(event: CloudEvent): SendCloudEventInput<unknown> {
  const { id, source, type, subject, time, datacontenttype, data, traceparent } = event;
  // traceparent is an extension attribute: the client writes it at the top level of the event, as on the queue.
  const extensionAttributes = traceparent ? { traceparent } : undefined;
  return { id, source, type, subject, time: new Date(time), datacontenttype, data, ...(extensionAttributes && { extensionAttributes }) };
}

export async function publishToEventGrid(endpoint: string, events: CloudEvent[], abortSignal?: AbortSignal): Promise<void> {
  await (await client(endpoint)).send(events.map(toInput), { abortSignal });
}
