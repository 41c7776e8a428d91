// Who may call or text, where the app may send, and how many auto-replies a sender gets.
import { digitsOf } from '../phone';
import { declareSettings, SettingsError } from '../platform/declareSettings';
import { boolean, list, parser, positiveInt, tableName } from '../platform/settingParsers';
import { ALLOWED_COUNTRIES_EXAMPLE, CALLING_CODES } from './callingCodes';

const BLOCKLIST_EXAMPLE = '+14155550100, +1 (415) 555-0101';

/** Each blocked number's digits. */
const blocklist = list(
  'phone numbers separated by commas or semicolons',
  (entry, name) => {
    const digits = digitsOf(entry);
    if (!/^\+?[\d\s().-]+$/.test(entry) || digits.length < 3 || digits.length > 15)
      throw new SettingsError(name, `has "${entry}", which is not a phone number, e.g. ${BLOCKLIST_EXAMPLE}`);
    return digits;
  },
  /[,;\n]/,
);

/** Calling codes without '+'. */
const countries = parser(`country calling codes, e.g. \`${ALLOWED_COUNTRIES_EXAMPLE}\``, (value, name): ReadonlySet<string> => {
  const codes = value
    .split(/[,;\s]+/)
    .filter(Boolean)
    .map((c) => c.replace(/^\+/, ''));
  const bad = codes.find((code) => !CALLING_CODES.has(code));
  if (bad !== undefined) throw new SettingsError(name, `has "${bad}", which is no country calling code, e.g. ${ALLOWED_COUNTRIES_EXAMPLE}`);
  if (!codes.length) throw new SettingsError(name, `lists no country, e.g. ${ALLOWED_COUNTRIES_EXAMPLE}`);
  return new Set(codes);
});

export const guardsSettings = declareSettings(
  'Guards',
  'shared/guards/guardsSettings.ts',
  {
    VOICE_BLOCKLIST: {
      description: 'Numbers whose calls get <Reject> and whose SMS get no reply or relay. Compared on digits only.',
      deployed: true,
      parser: blocklist,
    },
    VOICE_REJECT_ANONYMOUS: {
      description: 'true rejects calls without caller ID (<Reject>).',
      default: 'false',
      deployed: true,
      parser: boolean,
    },
    OUTBOUND_ALLOWED_COUNTRIES: {
      description:
        'Country calling codes outbound SMS and calls may go to; others are refused before Twilio is called. Unset: every country.',
      deployed: true,
      parser: countries,
    },
    SMS_AUTO_REPLY_LIMIT: {
      description: 'Most SMS_AUTO_REPLY answers one sender gets per clock hour, across all instances (two auto-responders cannot loop).',
      default: '5',
      deployed: true,
      parser: positiveInt,
    },
    AUTO_REPLY_TABLE: {
      description: 'Table that counts auto-replies per sender and hour.',
      default: 'autoreplies',
      deployed: true,
      parser: tableName,
    },
  },
  (values) => ({
    voice: { blocklist: values.VOICE_BLOCKLIST, rejectAnonymous: values.VOICE_REJECT_ANONYMOUS },
    /** These senders get no reply and no relay. */
    sms: { blocklist: values.VOICE_BLOCKLIST, autoReplyLimit: values.SMS_AUTO_REPLY_LIMIT },
    autoReplyTable: values.AUTO_REPLY_TABLE,
    /** Calling codes without '+'; undefined allows every country. */
    allowedCountries: values.OUTBOUND_ALLOWED_COUNTRIES,
  }),
);
