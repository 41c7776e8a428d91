// The console's Settings page shows a credential only as set or not set.
import { settingsReport } from '../../../shared/console/settingsView';
import { SETTINGS } from '../../../shared/platform/settings';

test('every setting kept in Key Vault, and the storage connection string, is reported as a secret with no value', () => {
  const effective = Object.fromEntries(
    Object.keys(SETTINGS).map((name) => [name, { text: `value-of-${name}`, source: 'app setting' as const }]),
  );
  const report = settingsReport(SETTINGS, effective);
  const vaulted = Object.entries(SETTINGS)
    .filter(([name, spec]) => /vault secret|lives in Key Vault/i.test(spec.description) || name === 'AzureWebJobsStorage')
    .map(([name]) => name);
  expect(vaulted).toEqual(expect.arrayContaining(['TWILIO_AUTH_TOKEN', 'TWILIO_EVENT_STREAMS_CREDENTIALS', 'AZURE_OPENAI_API_KEY']));
  const shown = report.filter((view) => vaulted.includes(view.name) && (view.value !== undefined || !view.secret)).map((view) => view.name);
  expect(shown).toEqual([]);
  // Settings that are not secrets keep their value on the page.
  expect(report.find((view) => view.name === 'VOICE_MODE')).toMatchObject({ secret: false, value: 'value-of-VOICE_MODE' });
});
