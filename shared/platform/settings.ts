// Every setting the app reads, composed from the groups each feature declares beside its code, parsed and
// validated once. Functions call settings(); nothing else in the app reads process.env. A new setting goes into
// its feature's group (see declareSettings.ts); a new group is added to GROUPS.
import { activitySettings } from '../activity/activitySettings';
import { assistantSettings } from '../assistant/assistantSettings';
import { audioSettings } from '../audio/audioSettings';
import { callingSettings } from '../calling/callingSettings';
import { consoleSettings } from '../console/consoleSettings';
import { eventsSettings } from '../events/eventsSettings';
import { eventStreamsSettings } from '../eventStreams/eventStreamsSettings';
import { guardsSettings } from '../guards/guardsSettings';
import { hoursSettings } from '../hours/hoursSettings';
import { outboundSettings } from '../outbound/outboundSettings';
import { recordingsSettings } from '../recordings/recordingsSettings';
import { smsSettings } from '../twiml/smsSettings';
import { voiceSettings } from '../twiml/voiceSettings';
import { webhookSettings } from '../webhook/webhookSettings';
import { composeSettings, indexSettings, type Composed, type Env, type NameOf } from './declareSettings';
import { platformSettings } from './platformSettings';
import { twilioSettings } from './twilioSettings';

/** Every group, in the order the settings reference lists them (and load reports the first problem). */
export const GROUPS = [
  platformSettings,
  twilioSettings,
  webhookSettings,
  voiceSettings,
  hoursSettings,
  audioSettings,
  smsSettings,
  guardsSettings,
  outboundSettings,
  eventsSettings,
  eventStreamsSettings,
  recordingsSettings,
  callingSettings,
  activitySettings,
  consoleSettings,
  assistantSettings,
] as const;

export type Settings = Composed<typeof GROUPS>;
export type SettingName = NameOf<typeof GROUPS>;

/** Every setting by name: its description, default, format, whether infra deploys it and the feature that declares it. */
export const SETTINGS = indexSettings(GROUPS);

export { SettingsError, type SettingSpec } from './declareSettings';
export type { StorageConnection } from './platformSettings';
export type { OptOutScope } from '../outbound/optOuts';
export type { VoiceMode } from '../twiml/voiceModes';
export type { MenuOption } from '../twiml/voiceSettings';
export type VoiceSettings = Settings['voice'];
export type SmsSettings = Settings['sms'];
export type EventSettings = Settings['events'];
export type CallingSettings = Settings['calling'];

export function parseSettings(env: Env): Settings {
  return composeSettings(GROUPS, env);
}

let cachedSettings: Settings | undefined;

/** The process's settings, parsed on first use. A bad setting throws SettingsError naming it. */
export function settings(): Settings {
  cachedSettings ??= parseSettings(process.env);
  return cachedSettings;
}

/** Tests change process.env between cases; this forgets the parsed copy. */
export function resetSettingsForTests(): void {
  cachedSettings = undefined;
}

export type SettingSource = 'app setting' | 'default' | 'not set';

/** Each declared setting as this process has it: the text in effect and where it came from (the console shows it). */
export function effectiveSettings(env: Env = process.env): Record<string, { text?: string; source: SettingSource }> {
  const specs: Record<string, { default?: string }> = SETTINGS;
  return Object.fromEntries(
    Object.entries(specs).map(([name, spec]) => {
      const text = env[name]?.trim();
      if (text) return [name, { text, source: 'app setting' as const }];
      if (spec.default !== undefined) return [name, { text: spec.default, source: 'default' as const }];
      return [name, { source: 'not set' as const }];
    }),
  );
}
