// npm run doctor: checks a configuration, local or in Azure, and prints one table (check, result, detail, how to fix).
// Exits 1 when any check fails. It only reads: nothing is created or changed.
//   npm run doctor
//   KEY_VAULT_URL=https://kv-x.vault.azure.net WEBHOOK_BASE_URL=https://x.azurewebsites.net npm run doctor
import { applyLocalSettings, readLocalSettings } from '../devhost/localSettings';
import { failed, renderChecks, type Check } from '../shared/operations/doctorReport';
import { keyVaultChecks, message, signatureCheck, storageChecks, twilioChecks } from '../shared/operations/doctorIo';
import { routePath } from '../shared/platform/routes';
import { parseSettings, type Settings } from '../shared/platform/settings';

async function main(): Promise<number> {
  applyLocalSettings(readLocalSettings(process.cwd()));
  const checks: Check[] = [];
  let config: Settings;
  try {
    config = parseSettings(process.env);
    checks.push({ check: 'settings', result: 'ok', detail: 'every setting parses' });
  } catch (error) {
    checks.push({ check: 'settings', result: 'FAIL', detail: message(error), fix: 'Fix the setting named (docs/configuration.md).' });
    console.log(renderChecks(checks));
    return 1;
  }
  checks.push(signatureCheck(config));
  checks.push(...(await storageChecks(config)));
  checks.push(...(await keyVaultChecks(config)));
  checks.push(...(await twilioChecks(config)));
  checks.push({
    check: 'Debugger webhook',
    result: 'warn',
    detail: "Twilio's API does not expose the Console Debugger's webhook, so it cannot be checked from here",
    fix: `Console > Monitor > Debugger > Webhook: ${config.webhookBaseUrl ?? '<WEBHOOK_BASE_URL>'}${routePath('twilioAlerts')}, then npm run simulate -- alert to see one arrive.`,
  });
  console.log(renderChecks(checks));
  const failures = checks.filter((c) => c.result === 'FAIL').length;
  console.log(failures ? `\n${failures} check(s) failed.` : '\nAll checks passed.');
  return failed(checks) ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
