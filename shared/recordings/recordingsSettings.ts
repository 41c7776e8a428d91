// Voicemail recordings: copied from Twilio into Blob storage, then linked in the notification SMS.
import { declareSettings } from '../platform/declareSettings';
import { boolean, containerName, positiveInt, queueName } from '../platform/settingParsers';

export const recordingsSettings = declareSettings(
  'Voicemail recordings',
  'shared/recordings/recordingsSettings.ts',
  {
    RECORDINGS_QUEUE: {
      description: 'Queue of voicemail recordings to copy from Twilio into Blob storage before their notification SMS is sent.',
      default: 'voicemail-recordings',
      deployed: true,
      parser: queueName,
    },
    RECORDINGS_CONTAINER: {
      description: 'Private blob container the recordings are copied into; links go through GET /api/recordings/{sid}.',
      default: 'recordings',
      deployed: true,
      parser: containerName,
    },
    RECORDING_LINK_DAYS: {
      description: 'Days the recording link in a voicemail SMS opens the recording without Twilio credentials.',
      default: '7',
      deployed: true,
      parser: positiveInt,
    },
    RECORDINGS_DELETE_FROM_TWILIO: {
      description: 'true deletes each recording from Twilio once it is copied into Blob storage.',
      default: 'false',
      deployed: true,
      parser: boolean,
    },
  },
  (values) => ({
    recordings: {
      queue: values.RECORDINGS_QUEUE,
      container: values.RECORDINGS_CONTAINER,
      linkTtlMs: values.RECORDING_LINK_DAYS * 86_400_000,
      deleteFromTwilio: values.RECORDINGS_DELETE_FROM_TWILIO,
    },
  }),
);
