import { app } from '@azure/functions';
import { eventStreamsSink } from '../shared/eventStreams/sinkHttp';
import { ROUTES } from '../shared/platform/routes';
import { settings } from '../shared/platform/settings';

/**
 * Twilio Event Streams' webhook sink: each CloudEvent of a signed batch is republished, once, to the events queue
 * and the Event Grid topic (docs/event-streams.md).
 */
export const eventStreams = eventStreamsSink(() => settings().eventStreams);

app.http('eventStreams', { methods: ['POST'], authLevel: 'anonymous', route: ROUTES.eventStreams, handler: eventStreams });
