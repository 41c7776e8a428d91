// The Event Streams sink's settings (docs/event-streams.md). Its Basic credentials are with the Twilio credentials.
import { declareSettings } from '../platform/declareSettings';
import { containerName, ncrontab, positiveInt, tableName } from '../platform/settingParsers';

export const eventStreamsSettings = declareSettings(
  'Event Streams sink',
  'shared/eventStreams/eventStreamsSettings.ts',
  {
    EVENT_STREAMS_TABLE: {
      description: 'Table of the event ids /api/event-streams has published: one row per id, for the dedupe window.',
      default: 'eventstreamids',
      deployed: true,
      parser: tableName,
    },
    EVENT_STREAMS_DEDUPE_HOURS: {
      description: 'How long an Event Streams event id is remembered, so a redelivery is not published again. Twilio retries for 4 h.',
      default: '24',
      deployed: false,
      parser: positiveInt,
    },
    EVENT_STREAMS_OVERSIZED_CONTAINER: {
      description: 'Private blob container where /api/event-streams keeps events too large for the events queue, whole, one blob per id.',
      default: 'eventstreams-oversized',
      deployed: true,
      parser: containerName,
    },
    EVENT_STREAMS_RETENTION_SCHEDULE: {
      description: 'When the eventStreamsRetention timer deletes event id rows past the dedupe window: six-field NCRONTAB, UTC.',
      default: '0 15 * * * *',
      deployed: false,
      parser: ncrontab,
    },
  },
  (values) => ({
    eventStreams: {
      table: values.EVENT_STREAMS_TABLE,
      dedupeWindowMs: values.EVENT_STREAMS_DEDUPE_HOURS * 3_600_000,
      oversizedContainer: values.EVENT_STREAMS_OVERSIZED_CONTAINER,
      retentionSchedule: values.EVENT_STREAMS_RETENTION_SCHEDULE,
    },
  }),
);
