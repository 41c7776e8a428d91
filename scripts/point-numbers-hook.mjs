// azd postdeploy hook: when the azd environment names Twilio numbers (azd env set TWILIO_PHONE_NUMBERS +14155550100),
// points them at the deployed app with npm run point-numbers -- --yes, reading the credentials from the deployment's
// Key Vault with the deployer's own login. Without TWILIO_PHONE_NUMBERS it says so and does nothing.
import { execFileSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The app settings point-numbers reads, from the values azd passes to hooks (infra/main.bicep's outputs). */
export function settingsFromAzd(env) {
  const voiceUrl = env.TWILIO_VOICE_WEBHOOK_URL ?? '';
  return {
    TWILIO_PHONE_NUMBERS: env.TWILIO_PHONE_NUMBERS ?? '',
    TWILIO_FALLBACK_URL: env.TWILIO_FALLBACK_URL ?? '',
    WEBHOOK_BASE_URL: env.WEBHOOK_BASE_URL || voiceUrl.replace(/\/api\/voice$/, ''),
    KEY_VAULT_URL: env.AZURE_KEY_VAULT_URL ?? '',
    AzureWebJobsStorage__queueServiceUri: env.AZURE_STORAGE_QUEUE_ENDPOINT ?? '',
    AzureWebJobsStorage__tableServiceUri: env.AZURE_STORAGE_TABLE_ENDPOINT ?? '',
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const settings = settingsFromAzd(process.env);
  if (!settings.TWILIO_PHONE_NUMBERS.trim()) {
    console.log(
      'TWILIO_PHONE_NUMBERS is not set in the azd environment: no Twilio number is pointed at the app (azd env set TWILIO_PHONE_NUMBERS +1...).',
    );
    process.exit(0);
  }
  execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { stdio: 'inherit' });
  execFileSync(process.execPath, [join(root, 'build', 'point-numbers.js'), '--yes'], {
    stdio: 'inherit',
    cwd: root,
    env: { ...process.env, ...settings },
  });
}
