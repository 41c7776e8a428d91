// The console's settings, and the read-only view of every setting the Settings page shows.
import { settings, SETTINGS, type SettingName } from '../platform/settings';
import type { ConsoleAccessConfig } from './access';

export function consoleConfig(): ConsoleAccessConfig {
  const env = process.env;
  return {
    admins: (env.CONSOLE_ADMINS ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    platformAuthEnabled: settings().calling.platformAuthEnabled,
    isDevelopment: env.AZURE_FUNCTIONS_ENVIRONMENT === 'Development',
  };
}

/** Credentials and connection strings: the page says whether they are set, never what they are. */
const SECRET = /TOKEN|SECRET|PASSWORD|API_KEY|^AzureWebJobsStorage$/i;

export interface SettingView {
  name: string;
  description: string;
  /** The value in effect; absent for a secret or a setting that is not set. */
  value?: string;
  source: 'app setting' | 'default' | 'not set';
  secret: boolean;
}

export function settingsReport(): SettingView[] {
  const env = process.env;
  return (Object.keys(SETTINGS) as SettingName[]).map((name) => {
    const spec: { description: string; default?: string } = SETTINGS[name];
    const raw = env[name]?.trim();
    const secret = SECRET.test(name);
    const source = raw ? 'app setting' : spec.default !== undefined ? 'default' : 'not set';
    const value = raw || spec.default;
    return { name, description: spec.description, source, secret, ...(value !== undefined && !secret ? { value } : {}) };
  });
}
