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

/** The attributes @azure/eventgrid takes by name; every other attribute is an extension. */
const NAMED_ATTRIBUTES = new Set(['specversion', 'id', 'source', 'type', 'subject', 'time', 'datacontenttype', 'dataschema', 'data']);

/** An event the app publishes: its own (CloudEvent) or one it republishes as it came (Event Streams). */
export type PublishedEvent = CloudEvent | { id: string; source: string; type: string; [attribute: string]: unknown };

function toInput(event: PublishedEvent): SendCloudEventInput<unknown> {
  const { id, source, type, subject, time, datacontenttype, dataschema, data } = event as Record<string, unknown> & PublishedEvent;
  // Extension attributes (traceparent, sequence, ...): the client writes them at the top level of the event, as on the queue.
  const extensions = Object.entries(event).filter(([name, value]) => !NAMED_ATTRIBUTES.has(name) && value !== undefined);
  return {
    id,
    source,
    type,
    ...(subject !== undefined && { subject: subject as string }),
    ...(time !== undefined && { time: new Date(time as string) }),
    ...(datacontenttype !== undefined && { datacontenttype: datacontenttype as string }),
    ...(dataschema !== undefined && { dataschema: dataschema as string }),
    data,
    ...(extensions.length && { extensionAttributes: Object.fromEntries(extensions) }),
  };
}

export async function publishToEventGrid(endpoint: string, events: PublishedEvent[], abortSignal?: AbortSignal): Promise<void> {
  await (await client(endpoint)).send(events.map(toInput), { abortSignal });
}
