// The number's voice webhook: the greeting, what it does with the call (VOICE_MODE) and what each mode needs.
import { audioRef } from '../audio/audioSettings';
import { clientIdentities } from '../calling/callingSettings';
import { hoursSettings } from '../hours/hoursSettings';
import { isE164 } from '../phone';
import { declareSettings, SettingsError } from '../platform/declareSettings';
import { e164, oneOf, parser, positiveInt, refusePlaceholders } from '../platform/settingParsers';
import { VOICE_MODES, type VoiceMode } from './voiceModes';

/** Applied in code, not as a default: infra deploys VOICE_GREETING empty unless given. */
export const DEFAULT_VOICE_GREETING = 'Thank you for calling.';

export interface MenuOption {
  /** An E.164 number to dial or an http(s) URL to redirect to. */
  to: string;
  /** Words a caller may say instead of pressing the digits. */
  keywords: string[];
}

/** Digits pressed to what they lead to. */
const menuOptions = parser('JSON object: digits to an E.164 number or URL, or to `{"to": ..., "keywords": [...]}`', (value, name) => {
  const fail = (problem: string) =>
    new SettingsError(
      name,
      `${problem}, e.g. {"1":"+14155550100","2":{"to":"https://calls.contoso.com/hours","keywords":["opening hours","hours"]}}`,
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw fail('is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw fail('must be a JSON object');
  const entries = Object.entries(parsed);
  if (entries.length === 0) throw fail('has no options');
  const options: Record<string, MenuOption> = {};
  for (const [digits, entry] of entries) {
    if (!/^\d{1,4}$/.test(digits)) throw fail(`has key "${digits}", which is not 1 to 4 digits`);
    const option: Record<string, unknown> =
      typeof entry === 'object' && entry !== null && !Array.isArray(entry) ? (entry as Record<string, unknown>) : { to: entry };
    const unknown = Object.keys(option).filter((k) => k !== 'to' && k !== 'keywords');
    if (unknown.length) throw fail(`option ${digits} has unknown field "${unknown[0]}" (only to and keywords)`);
    const target = option.to;
    if (typeof target !== 'string' || !(isE164(target) || /^https?:\/\/\S+$/i.test(target))) {
      throw fail(`option ${digits} must be an E.164 number or an http(s) URL`);
    }
    if (!isE164(target)) refusePlaceholders(target, name, { realHost: true, what: `option ${digits}` });
    const keywords = option.keywords ?? [];
    if (!Array.isArray(keywords) || keywords.some((k) => typeof k !== 'string' || !/[\p{L}\p{N}]/u.test(k) || k.length > 100)) {
      throw fail(`option ${digits} keywords must be a list of words or phrases`);
    }
    options[digits] = { to: target, keywords: (keywords as string[]).map((k) => k.trim()) };
  }
  return options;
});

export const voiceSettings = declareSettings(
  'Voice webhook',
  'shared/twiml/voiceSettings.ts',
  {
    VOICE_GREETING: {
      description: `What the voice webhook says or plays to every caller first. Unset: "${DEFAULT_VOICE_GREETING}"`,
      deployed: true,
      parser: audioRef,
    },
    VOICE_MODE: {
      description: 'What the voice webhook does after the greeting (inside VOICE_HOURS). Each mode needs its setting below.',
      default: 'message',
      deployed: true,
      parser: oneOf(VOICE_MODES),
    },
    VOICE_FORWARD_TO: {
      description: 'E.164 number that VOICE_MODE=forward dials (and menu options may dial).',
      deployed: true,
      parser: e164,
    },
    VOICE_MENU_OPTIONS: {
      description:
        'For VOICE_MODE=menu: digit keys to an E.164 number to dial or an http(s) URL, optionally with keywords callers may say.',
      deployed: true,
      parser: menuOptions,
    },
    VOICEMAIL_NOTIFY: {
      description: 'E.164 number that gets an SMS with each voicemail recording link and transcription (VOICE_MODE=voicemail).',
      deployed: true,
      parser: e164,
    },
    VOICE_QUEUE: {
      description: 'The call queue VOICE_MODE=queue puts callers in.',
      default: 'support',
      deployed: true,
      parser: parser('queue name, at most 64 characters', (value, name) => {
        if (value.length > 64) throw new SettingsError(name, `is longer than Twilio's 64 characters, e.g. support`);
        return value;
      }),
    },
    VOICE_QUEUE_MAX_WAIT: {
      description: 'Seconds a caller waits in VOICE_QUEUE before voicemail (when VOICEMAIL_NOTIFY is set) or a goodbye.',
      default: '300',
      deployed: true,
      parser: positiveInt,
    },
    VOICE_HOLD_MUSIC: {
      description: "What callers hear while they wait in a queue. Unset: Twilio's public hold music.",
      deployed: true,
      parser: audioRef,
    },
    VOICE_CLIENT_IDENTITIES: {
      description: 'Browser identities VOICE_MODE=client rings at once; unanswered calls go to voicemail when VOICEMAIL_NOTIFY is set.',
      deployed: true,
      parser: clientIdentities,
    },
  },
  (values, { of }) => {
    const needs: Partial<Record<VoiceMode, [string, unknown]>> = {
      forward: ['VOICE_FORWARD_TO', values.VOICE_FORWARD_TO],
      menu: ['VOICE_MENU_OPTIONS', values.VOICE_MENU_OPTIONS],
      client: ['VOICE_CLIENT_IDENTITIES', values.VOICE_CLIENT_IDENTITIES.length ? values.VOICE_CLIENT_IDENTITIES : undefined],
      voicemail: ['VOICEMAIL_NOTIFY', values.VOICEMAIL_NOTIFY],
    };
    // The closed mode matters only when there are hours to be closed outside of.
    const closed = of(hoursSettings).voice;
    const modes: Array<[string, VoiceMode]> = [['VOICE_MODE', values.VOICE_MODE]];
    if (closed.hours) modes.push(['VOICE_CLOSED_MODE', closed.closedMode]);
    for (const [setting, mode] of modes) {
      const [name, value] = needs[mode] ?? [];
      if (name && value === undefined) throw new SettingsError(name, `is missing: ${setting}=${mode} needs it`);
    }
    return {
      voice: {
        greeting: values.VOICE_GREETING ?? DEFAULT_VOICE_GREETING,
        mode: values.VOICE_MODE,
        forwardTo: values.VOICE_FORWARD_TO,
        menuOptions: values.VOICE_MENU_OPTIONS,
        voicemailNotify: values.VOICEMAIL_NOTIFY,
        queue: { name: values.VOICE_QUEUE, maxWaitSeconds: values.VOICE_QUEUE_MAX_WAIT, holdMusic: values.VOICE_HOLD_MUSIC },
        /** Browser identities VOICE_MODE=client rings. */
        clientIdentities: values.VOICE_CLIENT_IDENTITIES,
      },
    };
  },
);
