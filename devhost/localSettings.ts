// Settings as func reads them: local.settings.json "Values", with the process environment taking precedence.
import { existsSync, readFileSync } from 'node:fs';
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
