// Open hours, holidays and what the voice webhook does when closed.
import { declareSettings, SettingsError } from '../platform/declareSettings';
import { oneOf, parser } from '../platform/settingParsers';
import { audioRef } from '../audio/audioSettings';
import { VOICE_MODES } from '../twiml/voiceModes';
import { HOLIDAYS_EXAMPLE, HOURS_EXAMPLE, HoursFormatError, parseHolidays, parseHours, type BusinessHours } from './businessHours';
import { isTimeZone } from './zonedClock';

/** Applied in code, not as a default: infra deploys VOICE_CLOSED_GREETING empty unless given. */
export const DEFAULT_CLOSED_GREETING = 'We are closed right now.';

function hoursParser<T>(format: string, example: string, parse: (text: string) => T) {
  return parser(format, (value, name) => {
    try {
      return parse(value);
    } catch (error) {
      if (!(error instanceof HoursFormatError)) throw error;
      throw new SettingsError(name, `${error.message}, e.g. ${example}`);
    }
  });
}

const timeZone = parser('IANA time zone, e.g. Europe/London', (value, name) => {
  if (!isTimeZone(value)) throw new SettingsError(name, `is not an IANA time zone the runtime knows: "${value}", e.g. America/New_York`);
  return value;
});

export const hoursSettings = declareSettings(
  'Business hours',
  'shared/hours/hoursSettings.ts',
  {
    VOICE_TIMEZONE: {
      description: 'IANA time zone of VOICE_HOURS and VOICE_HOLIDAYS, e.g. Europe/London.',
      default: 'UTC',
      deployed: true,
      parser: timeZone,
    },
    VOICE_HOURS: {
      description:
        'Weekly open hours in VOICE_TIMEZONE; 22:00-02:00 runs past midnight. Outside them: VOICE_CLOSED_MODE. Unset: always open.',
      deployed: true,
      parser: hoursParser(`days and times, e.g. \`${HOURS_EXAMPLE}\``, HOURS_EXAMPLE, parseHours),
    },
    VOICE_HOLIDAYS: {
      description: 'Dates closed all day, in VOICE_TIMEZONE: YYYY-MM-DD, or MM-DD for every year.',
      deployed: true,
      parser: hoursParser(`comma-separated dates, e.g. \`${HOLIDAYS_EXAMPLE}\``, HOLIDAYS_EXAMPLE, parseHolidays),
    },
    VOICE_CLOSED_MODE: {
      description: 'What the voice webhook does outside VOICE_HOURS and on VOICE_HOLIDAYS: any VOICE_MODE.',
      default: 'voicemail',
      deployed: true,
      parser: oneOf(VOICE_MODES),
    },
    VOICE_CLOSED_GREETING: {
      description: `Said or played instead of VOICE_GREETING when closed. Unset: "${DEFAULT_CLOSED_GREETING}"`,
      deployed: true,
      parser: audioRef,
    },
  },
  (values) => {
    const holidays = values.VOICE_HOLIDAYS ?? new Set<string>();
    // Holidays without hours: open every other day, all day.
    const hours: BusinessHours | undefined =
      values.VOICE_HOURS === undefined && !holidays.size
        ? undefined
        : { week: values.VOICE_HOURS ?? parseHours('Mon-Sun 00:00-24:00'), holidays, timeZone: values.VOICE_TIMEZONE };
    return {
      voice: {
        /** VOICE_HOURS, VOICE_TIMEZONE and VOICE_HOLIDAYS; undefined when always open. */
        hours,
        closedMode: values.VOICE_CLOSED_MODE,
        closedGreeting: values.VOICE_CLOSED_GREETING ?? DEFAULT_CLOSED_GREETING,
      },
    };
  },
);
