// The console's Settings page: every declared setting, the value in effect and where it came from; a secret only as
// set or not set. Pure: the declarations and the effective values come in.
import type { SettingSource, SettingSpec } from '../platform/settings';

export interface SettingView {
  name: string;
  feature: string;
  description: string;
  /** The text in effect; absent for a secret or a setting that is not set. */
  value?: string;
  source: SettingSource;
  secret: boolean;
}

/** Credentials (their parser says so) and the storage connection string, which holds the account key. */
const isSecret = (name: string, spec: Pick<SettingSpec, 'format'>) => /secret/i.test(spec.format) || name === 'AzureWebJobsStorage';

export function settingsReport(
  specs: Readonly<Record<string, SettingSpec>>,
  effective: Readonly<Record<string, { text?: string; source: SettingSource }>>,
): SettingView[] {
  return Object.entries(specs).map(([name, spec]) => {
    const { text, source } = effective[name] ?? { source: 'not set' as const };
    const secret = isSecret(name, spec);
    return {
      name,
      feature: spec.group,
      description: spec.description,
      source,
      secret,
      ...(text !== undefined && !secret ? { value: text } : {}),
    };
  });
}
