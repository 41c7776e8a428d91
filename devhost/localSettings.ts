// Settings as func reads them: local.settings.json "Values", with the process environment taking precedence.
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface LocalSettings {
  values: Record<string, string>;
  localHttpPort?: number;
  /** Which file the values came from, for the start banner. */
  source?: string;
}

export function readLocalSettings(appRoot: string): LocalSettings {
  const file = join(appRoot, 'local.settings.json');
  if (!existsSync(file)) return { values: {} };
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { Values?: Record<string, unknown>; Host?: { LocalHttpPort?: number } };
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed.Values ?? {})) {
    if (value !== null && value !== undefined) values[key] = String(value);
  }
  return { values, localHttpPort: parsed.Host?.LocalHttpPort, source: file };
}

/** Copies local.settings.json values into process.env where the environment does not already set them. */
export function applyLocalSettings(settings: LocalSettings, env: NodeJS.ProcessEnv = process.env): void {
  for (const [key, value] of Object.entries(settings.values)) {
    if (env[key] === undefined) env[key] = value;
  }
}

export const LOCAL_SETTINGS_FILE = 'local.settings.json';
const SAMPLE_FILE = 'local.settings.sample.json';

/**
 * What `npm start`, the local host and every `npm run` tool do first, so that each works on a fresh clone: create
 * local.settings.json from the sample when there is none (saying so through `note`), apply it under the environment,
 * and run as Development, as the local host and `func start` do (the settings only Development allows, such as
 * CLIENT_DEV_IDENTITY, then load in the tools as in the app).
 */
export function useLocalSettings(appRoot: string, note: (line: string) => void = (line) => console.error(line)): LocalSettings {
  const file = join(appRoot, LOCAL_SETTINGS_FILE);
  if (!existsSync(file) && existsSync(join(appRoot, SAMPLE_FILE))) {
    copyFileSync(join(appRoot, SAMPLE_FILE), file);
    note('Created local.settings.json from local.settings.sample.json (embedded local defaults; edit it freely).');
  }
  const local = readLocalSettings(appRoot);
  applyLocalSettings(local);
  process.env.AZURE_FUNCTIONS_ENVIRONMENT ??= 'Development';
  return local;
}
