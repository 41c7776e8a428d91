// Where events go: the storage queue and, optionally, an Event Grid topic.
import { declareSettings, SettingsError } from '../platform/declareSettings';
import { fetchedUrl, queueName } from '../platform/settingParsers';
import { webhookSettings } from '../webhook/webhookSettings';

export const eventsSettings = declareSettings(
  'Events',
  'shared/events/eventsSettings.ts',
  {
    EVENTS_QUEUE: {
      description: 'Storage queue that gets every event (CloudEvents 1.0 JSON). Set it empty to turn events off.',
      default: 'twilio-events',
      deployed: true,
      parser: queueName,
    },
    EVENT_GRID_TOPIC_ENDPOINT: {
      description: "Optional Event Grid topic endpoint (https) that also gets every event, sent with the app's identity.",
      deployed: true,
      parser: fetchedUrl,
    },
  },
  (values, { env, of }) => {
    const gridTopicEndpoint = values.EVENT_GRID_TOPIC_ENDPOINT;
    if (gridTopicEndpoint && !gridTopicEndpoint.startsWith('https://'))
      throw new SettingsError(
        'EVENT_GRID_TOPIC_ENDPOINT',
        `must be an https URL (Event Grid takes tokens over TLS only): "${gridTopicEndpoint}"`,
      );
    const off = env.EVENTS_QUEUE !== undefined && env.EVENTS_QUEUE.trim() === '';
    return {
      events: {
        /** EVENTS_QUEUE; undefined when set empty (events off). */
        queue: off ? undefined : values.EVENTS_QUEUE,
        gridTopicEndpoint,
        /** The CloudEvents `source` of every event: WEBHOOK_BASE_URL, or a URN naming the app when it is unset. */
        source: of(webhookSettings).webhookBaseUrl ?? 'urn:twilio-azure-functions',
      },
    };
  },
);
