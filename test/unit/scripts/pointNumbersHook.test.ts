import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../../../harness/localHost';

const hook = join(repoRoot, 'scripts', 'point-numbers-hook.mjs');

/** The hook is an ES module run by azd; evaluated in a child Node, as azd runs it. */
function settingsFromAzd(env: Record<string, string>): Record<string, string> {
  const code = `import(${JSON.stringify(hook)}).then((m) => console.log(JSON.stringify(m.settingsFromAzd(JSON.parse(process.argv[1])))))`;
  return JSON.parse(execFileSync(process.execPath, ['-e', code, JSON.stringify(env)], { encoding: 'utf8' })) as Record<string, string>;
}

describe('the azd postdeploy hook that points the numbers at the app', () => {
  test("takes the app's settings from infra/main.bicep's outputs", () => {
    expect(
      settingsFromAzd({
        TWILIO_PHONE_NUMBERS: '+14155550100',
        TWILIO_VOICE_WEBHOOK_URL: 'https://func-x.azurewebsites.net/api/voice',
        AZURE_KEY_VAULT_URL: 'https://kv-x.vault.azure.net/',
        AZURE_STORAGE_QUEUE_ENDPOINT: 'https://stx.queue.core.windows.net/',
        AZURE_STORAGE_TABLE_ENDPOINT: 'https://stx.table.core.windows.net/',
      }),
    ).toMatchObject({
      TWILIO_PHONE_NUMBERS: '+14155550100',
      WEBHOOK_BASE_URL: 'https://func-x.azurewebsites.net',
      KEY_VAULT_URL: 'https://kv-x.vault.azure.net/',
      AzureWebJobsStorage__queueServiceUri: 'https://stx.queue.core.windows.net/',
    });
    expect(
      settingsFromAzd({ WEBHOOK_BASE_URL: 'https://calls.example.com', TWILIO_VOICE_WEBHOOK_URL: 'https://func-x/api/voice' })
        .WEBHOOK_BASE_URL,
    ).toBe('https://calls.example.com');
  });

  test('without TWILIO_PHONE_NUMBERS it changes nothing and says how to set it', () => {
    const out = execFileSync(process.execPath, [hook], { env: { PATH: process.env.PATH }, encoding: 'utf8' });
    expect(out).toContain('azd env set TWILIO_PHONE_NUMBERS');
  });
});
