// Greetings and hold music: said text, an http(s) URL, or audio:<file> from the app's own container.
import { declareSettings, SettingsError } from '../platform/declareSettings';
import { containerName, parser, refusePlaceholders } from '../platform/settingParsers';
import { AUDIO_PREFIX, isAudioName } from './audioNames';

/** A greeting or music value: said text, an http(s) URL, or audio:<file> of AUDIO_CONTAINER. */
export const audioRef = parser('text to say, an http(s) URL to play, or `audio:<file>`', (value, name) => {
  if (/^https?:\/\//i.test(value)) refusePlaceholders(value, name, { realHost: true });
  if (value.startsWith(AUDIO_PREFIX) && !isAudioName(value.slice(AUDIO_PREFIX.length)))
    throw new SettingsError(name, `names no valid file in AUDIO_CONTAINER: "${value}", e.g. audio:hold-music.mp3`);
  return value;
});

export const audioSettings = declareSettings(
  'Audio files',
  'shared/audio/audioSettings.ts',
  {
    AUDIO_CONTAINER: {
      description:
        'Private blob container of greetings and hold music, served to Twilio by /api/audio/<file> (`audio:<file>` in settings).',
      default: 'audio',
      deployed: true,
      parser: containerName,
    },
  },
  (values) => ({ audioContainer: values.AUDIO_CONTAINER }),
);
