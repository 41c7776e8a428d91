// Browser calling: who may get a token from /api/token, for how long, and whom browsers may dial.
import { declareSettings, SettingsError } from '../platform/declareSettings';
import { list, parser, positiveInt } from '../platform/settingParsers';
import { CLIENT_IDENTITY } from './identity';

/** Twilio refuses Access Tokens that live longer than 24 hours (error 20157). */
export const MAX_CLIENT_TOKEN_TTL_SECONDS = 86_400;

const identity = (value: string, name: string): string => {
  if (!CLIENT_IDENTITY.test(value))
    throw new SettingsError(name, `has "${value}", which is not a valid client identity (letters, digits and ._-@ etc., at most 256)`);
  return value;
};

/** Browser identities, as /api/token names them. */
export const clientIdentities = list('comma-separated client identities', identity);

const DIAL_ENTRY = /^(\+[1-9]\d{0,2}|[A-Z]{2}|\+[1-9]\d{6,14})$/;

/** CLIENT_DIAL_ALLOWED's entries as written; `none` as no entry. */
const dialAllowed = parser('comma-separated calling codes (+44), regions (GB) and E.164 numbers, or `none`', (value, name) => {
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (entries.length === 1 && entries[0].toLowerCase() === 'none') return [];
  const bad = entries.find((entry) => !DIAL_ENTRY.test(entry));
  if (bad !== undefined)
    throw new SettingsError(
      name,
      `has "${bad}": each entry is a country calling code (+44), a region (GB) or an E.164 number, or the whole setting is none`,
    );
  return entries.length ? entries : undefined;
});

export const callingSettings = declareSettings(
  'Browser calling',
  'shared/calling/callingSettings.ts',
  {
    TWILIO_TWIML_APP_SID: {
      description:
        'TwiML App (AP...) whose voice URL is /api/client-voice: the outgoing-call grant of browser tokens. Unset: /api/token answers 503.',
      deployed: true,
      parser: parser('TwiML App SID (AP + 32 hex digits)', (value, name) => {
        if (!/^AP[0-9a-fA-F]{32}$/.test(value))
          throw new SettingsError(name, `must be a TwiML App SID (AP followed by 32 hex digits), got "${value}"`);
        return value;
      }),
    },
    CLIENT_TOKEN_TTL_SECONDS: {
      description: "Lifetime of a browser Access Token from /api/token, in seconds; at most 86400 (Twilio's 24 h).",
      default: '3600',
      deployed: true,
      parser: parser('positive whole number, at most 86400', (value, name) => {
        const seconds = positiveInt.parse(value, name);
        if (seconds > MAX_CLIENT_TOKEN_TTL_SECONDS)
          throw new SettingsError(name, `must be at most ${MAX_CLIENT_TOKEN_TTL_SECONDS} (Twilio's 24 hours), got ${seconds}`);
        return seconds;
      }),
    },
    CLIENT_DIAL_ALLOWED: {
      description:
        'Calling codes (+44) and E.164 numbers browsers may call through /api/client-voice, or `none`. Unset: the country of TWILIO_FROM_NUMBER.',
      deployed: true,
      parser: dialAllowed,
    },
    CLIENT_ALLOWED_GROUPS: {
      description: 'Entra group object IDs or app role values; when set, /api/token serves only users holding one of them.',
      deployed: true,
      parser: list('comma-separated group object IDs or app role values'),
    },
    CLIENT_TOKENS_PER_MINUTE: {
      description: 'Tokens /api/token issues per identity per minute, per instance; more answer 429.',
      default: '10',
      deployed: false,
      parser: positiveInt,
    },
    CLIENT_DEV_IDENTITY: {
      description: 'Local development only: the fixed identity /api/token issues to, as there is no App Service Authentication locally.',
      deployed: false,
      developmentOnly: true,
      parser: parser('client identity', (value, name) => {
        if (!CLIENT_IDENTITY.test(value)) throw new SettingsError(name, `is not a valid client identity: "${value}"`);
        return value;
      }),
    },
    WEBSITE_AUTH_ENABLED: {
      description: 'Set to True by App Service when its Authentication is on; only then are X-MS-CLIENT-PRINCIPAL* headers trusted.',
      deployed: false,
      parser: parser('`True` when on (the platform sets it)', (value) => value.toLowerCase() === 'true'),
    },
  },
  (values) => ({
    calling: {
      twimlAppSid: values.TWILIO_TWIML_APP_SID,
      tokenTtlSeconds: values.CLIENT_TOKEN_TTL_SECONDS,
      /** CLIENT_DIAL_ALLOWED's entries as written (calling codes like +44, regions like GB, E.164 numbers); undefined: the default. */
      dialAllowed: values.CLIENT_DIAL_ALLOWED,
      allowedGroups: values.CLIENT_ALLOWED_GROUPS,
      tokensPerMinute: values.CLIENT_TOKENS_PER_MINUTE,
      /** Development only. */
      devIdentity: values.CLIENT_DEV_IDENTITY,
      /** The platform's authentication is on: only then are X-MS-CLIENT-PRINCIPAL* headers trusted. */
      platformAuthEnabled: values.WEBSITE_AUTH_ENABLED === true,
    },
  }),
);
