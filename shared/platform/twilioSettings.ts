// The Twilio account the app works with: credentials (locally; in Azure they come from Key Vault), the REST base
// URL, the default senders and the numbers the operator tools manage.
import { isE164 } from '../phone';
import { declareSettings, SettingsError } from './declareSettings';
import { refusePlaceholders } from './settingParsers';
import { credential, fetchedUrl, identifier, list, parser } from './settingParsers';

/** user:password, as a URL's user info carries it; the message never repeats the value. */
const basicCredentials = parser('user:password (a secret)', (value, name) => {
  const colon = value.indexOf(':');
  if (colon <= 0 || colon === value.length - 1) throw new SettingsError(name, 'must be user:password, both non-empty');
  return value;
});

const phoneNumberOrSid = (entry: string, name: string): string => {
  refusePlaceholders(entry, name, { realHost: false });
  if (!isE164(entry) && !/^PN[0-9a-fA-F]{32}$/.test(entry)) {
    throw new SettingsError(
      name,
      `must list E.164 numbers or PN... SIDs separated by commas, e.g. +14155550100,PN0123456789abcdef0123456789abcdef; got "${entry}"`,
    );
  }
  return entry;
};

export const twilioSettings = declareSettings(
  'Twilio account',
  'shared/platform/twilioSettings.ts',
  {
    TWILIO_ACCOUNT_SID: {
      description: 'Twilio Account SID (AC...). Local development only; in Azure it lives in Key Vault.',
      deployed: false,
      parser: credential,
    },
    TWILIO_AUTH_TOKEN: {
      description: 'Twilio auth token; checks webhook signatures. Local development only; in Azure it lives in Key Vault.',
      deployed: false,
      parser: credential,
    },
    TWILIO_AUTH_TOKEN_SECONDARY: {
      description:
        'The secondary auth token during a rotation: webhooks signed with it pass too. In Azure: vault secret twilio-auth-token-secondary.',
      deployed: false,
      parser: credential,
    },
    TWILIO_WEBHOOK_SHARED_KEY: {
      description: 'Webhooks SharedKey secret: checks webhooks a Webhooks rule signs. In Azure: vault secret twilio-webhook-shared-key.',
      deployed: false,
      parser: credential,
    },
    TWILIO_WEBHOOK_SHARED_KEY_SECONDARY: {
      description: 'The next SharedKey secret during a rotation. In Azure: vault secret twilio-webhook-shared-key-secondary.',
      deployed: false,
      parser: credential,
    },
    TWILIO_EVENT_STREAMS_CREDENTIALS: {
      description:
        'user:password Event Streams must send to /api/event-streams (Basic). In Azure: vault secret twilio-event-streams-credentials.',
      deployed: false,
      parser: basicCredentials,
    },
    TWILIO_API_KEY_SID: {
      description: 'Optional Twilio API key SID (SK...) used for REST calls instead of the auth token.',
      deployed: false,
      parser: credential,
    },
    TWILIO_API_KEY_SECRET: { description: 'Secret of TWILIO_API_KEY_SID.', deployed: false, parser: credential },
    TWILIO_API_BASE_URL: {
      description:
        'Replaces https://api.twilio.com and https://events.twilio.com (one base for both), e.g. the offline mock. Unset in production.',
      deployed: false,
      parser: fetchedUrl,
    },
    TWILIO_FROM_NUMBER: { description: 'Default E.164 sender for outbound SMS and calls.', deployed: true, parser: identifier },
    TWILIO_MESSAGING_SERVICE_SID: {
      description: 'Default Messaging Service (MG...) for outbound SMS; used when no from number is given.',
      deployed: true,
      parser: identifier,
    },
    TWILIO_PHONE_NUMBERS: {
      description: 'Twilio numbers (E.164 or PN... SIDs) that `npm run point-numbers` points at this app and `npm run doctor` checks.',
      deployed: false,
      parser: list('comma-separated E.164 numbers or PN... SIDs', phoneNumberOrSid),
    },
    TWILIO_FALLBACK_URL: {
      description: "Twilio's fallback URL for the numbers, used when the app cannot answer. Unset: a twimlet that apologises and hangs up.",
      deployed: false,
      parser: fetchedUrl,
    },
  },
  (values) => ({
    twilio: {
      accountSid: values.TWILIO_ACCOUNT_SID,
      authToken: values.TWILIO_AUTH_TOKEN,
      secondaryAuthToken: values.TWILIO_AUTH_TOKEN_SECONDARY,
      webhookSharedKey: values.TWILIO_WEBHOOK_SHARED_KEY,
      webhookSharedKeySecondary: values.TWILIO_WEBHOOK_SHARED_KEY_SECONDARY,
      eventStreamsCredentials: values.TWILIO_EVENT_STREAMS_CREDENTIALS,
      apiKeySid: values.TWILIO_API_KEY_SID,
      apiKeySecret: values.TWILIO_API_KEY_SECRET,
      apiBaseUrl: values.TWILIO_API_BASE_URL,
      fromNumber: values.TWILIO_FROM_NUMBER,
      messagingServiceSid: values.TWILIO_MESSAGING_SERVICE_SID,
      phoneNumbers: values.TWILIO_PHONE_NUMBERS,
      fallbackUrl: values.TWILIO_FALLBACK_URL,
    },
  }),
);
