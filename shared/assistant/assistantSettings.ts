// The assistant (VOICE_MODE=assistant): the Azure OpenAI deployment it talks to, what it is told, how long it may
// take, and where a conversation ends when it cannot go on.
import { hoursSettings } from '../hours/hoursSettings';
import { declareSettings, SettingsError } from '../platform/declareSettings';
import { credential, ncrontab, oneOf, parser, positiveInt, tableName, text, url } from '../platform/settingParsers';
import { voiceSettings } from '../twiml/voiceSettings';
import { ASSISTANT_FALLBACKS } from './assistantConfig';

/** Twilio waits 15 s for a webhook; the model's share must leave room for storage and the network. */
export const MAX_TURN_TIMEOUT_SECONDS = 12;
/** A call's conversation is one table row: at most this many turns keep it well inside a row's limits. */
export const MAX_TURNS_LIMIT = 50;

const boundedInt = (max: number) =>
  parser(`whole number from 1 to ${max}`, (value, name) => {
    const n = positiveInt.parse(value, name);
    if (n > max) throw new SettingsError(name, `must be at most ${max}, got ${n}`);
    return n;
  });

export const assistantSettings = declareSettings(
  'Assistant',
  'shared/assistant/assistantSettings.ts',
  {
    AZURE_OPENAI_ENDPOINT: {
      description:
        'Azure OpenAI endpoint (https://<account>.openai.azure.com) the assistant calls. Locally unset: npm start runs a stand-in.',
      deployed: true,
      parser: url,
    },
    AZURE_OPENAI_DEPLOYMENT: {
      description: 'The chat model deployment the assistant calls, e.g. receptionist.',
      deployed: true,
      parser: text,
    },
    AZURE_OPENAI_API_VERSION: {
      description: 'Azure OpenAI data-plane API version the client sends (the latest GA for chat completions with tools).',
      default: '2024-10-21',
      deployed: false,
      parser: text,
    },
    AZURE_OPENAI_AUTH: {
      description: "identity: the app's managed identity (Cognitive Services OpenAI User). key: Key Vault's azure-openai-api-key.",
      default: 'identity',
      deployed: false,
      parser: oneOf(['identity', 'key']),
    },
    AZURE_OPENAI_API_KEY: {
      description: 'Local development only: the API key with AZURE_OPENAI_AUTH=key. In Azure the key lives in Key Vault.',
      deployed: false,
      developmentOnly: true,
      parser: credential,
    },
    ASSISTANT_INSTRUCTIONS: {
      description: 'Who the business is and what callers may be told. The hours, holidays and line rules are added to it.',
      deployed: true,
      parser: text,
    },
    ASSISTANT_MAX_TURNS: {
      description: 'Most things a caller may say to the assistant in one call; the next goes to ASSISTANT_FALLBACK.',
      default: '12',
      deployed: false,
      parser: boundedInt(MAX_TURNS_LIMIT),
    },
    ASSISTANT_VOICE: {
      description: "The <Say> voice of the answers, e.g. Polly.Joanna-Neural. Unset: Twilio's default.",
      deployed: true,
      parser: text,
    },
    ASSISTANT_LANGUAGE: {
      description: 'Language of the answers and of speech recognition, e.g. en-GB.',
      default: 'en-US',
      deployed: true,
      parser: parser('BCP-47 language tag, e.g. en-US', (value, name) => {
        if (!/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(value))
          throw new SettingsError(name, `is not a language tag such as en-US: "${value}"`);
        return value;
      }),
    },
    ASSISTANT_HANDOVER: {
      description: 'Where transfer_to_human puts the caller: forward (VOICE_FORWARD_TO) or queue (VOICE_QUEUE).',
      default: 'forward',
      deployed: false,
      parser: oneOf(['forward', 'queue']),
    },
    ASSISTANT_FALLBACK: {
      description: 'Where a failed, refused or too long conversation goes after an apology: voicemail or handover.',
      default: 'voicemail',
      deployed: false,
      parser: oneOf(ASSISTANT_FALLBACKS),
    },
    ASSISTANT_TURN_TIMEOUT_SECONDS: {
      description: `Most seconds a turn waits for the model, retries included (at most ${MAX_TURN_TIMEOUT_SECONDS}: Twilio waits 15 s).`,
      default: '8',
      deployed: false,
      parser: boundedInt(MAX_TURN_TIMEOUT_SECONDS),
    },
    ASSISTANT_TABLE: {
      description: 'Table of the conversations, one row per call.',
      default: 'assistantcalls',
      deployed: true,
      parser: tableName,
    },
    ASSISTANT_RETENTION_DAYS: {
      description: 'Conversations (transcripts) are deleted this many days after their last change.',
      default: '30',
      deployed: false,
      parser: positiveInt,
    },
    ASSISTANT_RETENTION_SCHEDULE: {
      description: 'When the assistantRetention timer deletes old conversations (six-field NCRONTAB, UTC).',
      default: '0 45 3 * * *',
      deployed: false,
      parser: ncrontab,
    },
  },
  (values, { of, isDevelopment, env }) => {
    const voice = of(voiceSettings).voice;
    const hours = of(hoursSettings).voice;
    const using =
      voice.mode === 'assistant' ? 'VOICE_MODE' : hours.hours && hours.closedMode === 'assistant' ? 'VOICE_CLOSED_MODE' : undefined;
    if (using) {
      const needed: Array<[string, unknown]> = [
        ['AZURE_OPENAI_ENDPOINT', values.AZURE_OPENAI_ENDPOINT],
        ['AZURE_OPENAI_DEPLOYMENT', values.AZURE_OPENAI_DEPLOYMENT],
        ['ASSISTANT_INSTRUCTIONS', values.ASSISTANT_INSTRUCTIONS],
      ];
      for (const [name, value] of needed)
        if (value === undefined)
          throw new SettingsError(
            name,
            `is missing: ${using}=assistant needs it${name === 'AZURE_OPENAI_ENDPOINT' ? ' (npm start runs a local stand-in when it is unset)' : ''}`,
          );
      if (!isDevelopment && !values.AZURE_OPENAI_ENDPOINT!.startsWith('https://'))
        throw new SettingsError('AZURE_OPENAI_ENDPOINT', 'must be an https URL outside local development');
      if (values.AZURE_OPENAI_AUTH === 'key' && !values.AZURE_OPENAI_API_KEY && !env.KEY_VAULT_URL?.trim())
        throw new SettingsError(
          'AZURE_OPENAI_AUTH',
          'is key, but there is no KEY_VAULT_URL (secret azure-openai-api-key) nor, locally, AZURE_OPENAI_API_KEY',
        );
    }
    return {
      // The voice webhook's greeting opens the first speech Gather in the assistant's voice.
      voice: { assistantSpeech: { voice: values.ASSISTANT_VOICE, language: values.ASSISTANT_LANGUAGE } },
      assistant: {
        /** Whether VOICE_MODE or VOICE_CLOSED_MODE is assistant: otherwise nothing of the assistant runs. */
        active: using !== undefined,
        endpoint: values.AZURE_OPENAI_ENDPOINT,
        deployment: values.AZURE_OPENAI_DEPLOYMENT ?? '',
        apiVersion: values.AZURE_OPENAI_API_VERSION,
        auth: values.AZURE_OPENAI_AUTH,
        apiKey: values.AZURE_OPENAI_API_KEY,
        instructions: values.ASSISTANT_INSTRUCTIONS ?? '',
        maxTurns: values.ASSISTANT_MAX_TURNS,
        voice: values.ASSISTANT_VOICE,
        language: values.ASSISTANT_LANGUAGE,
        handover: values.ASSISTANT_HANDOVER,
        fallback: values.ASSISTANT_FALLBACK,
        turnBudgetMs: values.ASSISTANT_TURN_TIMEOUT_SECONDS * 1000,
        table: values.ASSISTANT_TABLE,
        retentionDays: values.ASSISTANT_RETENTION_DAYS,
        retentionSchedule: values.ASSISTANT_RETENTION_SCHEDULE,
      },
    };
  },
);
