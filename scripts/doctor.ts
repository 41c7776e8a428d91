// npm run doctor: checks a configuration, local or in Azure, and prints one table (check, result, detail, how to fix).
// Exits 1 when any check fails. It only reads: nothing is created or changed (but local.settings.json, from the
// sample, on a fresh clone, as every tool does).
import { useLocalSettings } from '../devhost/localSettings';
import { OFFLINE_MOCK_PORT, useRunningOfflineMock } from '../devhost/services';
import { failed, renderChecks, type Check } from '../shared/operations/doctorReport';
import { keyVaultChecks, message, storageChecks, twilioChecks } from '../shared/operations/doctorIo';
import { routePath } from '../shared/platform/routes';
import { parseSettings, type Settings } from '../shared/platform/settings';
import { parseToolArgs, runTool, UsageError } from './toolCli';

const USAGE = `Usage:
  npm run doctor [-- --mock-port N]
  KEY_VAULT_URL=https://kv-x.vault.azure.net WEBHOOK_BASE_URL=https://x.azurewebsites.net npm run doctor

Checks the settings (local.settings.json under the environment), storage (queues and tables), Key Vault, the Twilio
credentials and where TWILIO_PHONE_NUMBERS point, and prints one table with how to fix each failure. Exits 1 when a
check fails. Only reads. Without Twilio credentials it checks against the offline mock \`npm start\` runs
(--mock-port, default 4010), as the app would use it.`;

async function main(args: string[]): Promise<number> {
  const { values, positionals } = parseToolArgs(args, { 'mock-port': { type: 'string' } }, true);
  if (positionals.length) throw new UsageError(`Unexpected argument: ${positionals.join(' ')}`);
  const mockPort = Number(values['mock-port'] ?? OFFLINE_MOCK_PORT);
  if (!Number.isInteger(mockPort) || mockPort < 1 || mockPort > 65535)
    throw new UsageError(`--mock-port takes a port number, got "${values['mock-port']}"`);
  const local = useLocalSettings(process.cwd());
  // What `npm start` does without credentials: the mock's test credentials count as configured.
  const offlineMock = useRunningOfflineMock(process.env, mockPort, local.localHttpPort);
  const checks: Check[] = [];
  let config: Settings;
  try {
    config = parseSettings(process.env);
    checks.push({ check: 'settings', result: 'ok', detail: 'every setting parses' });
  } catch (error) {
    checks.push({ check: 'settings', result: 'FAIL', detail: message(error), fix: 'Fix the setting named (docs/settings.md).' });
    console.log(renderChecks(checks));
    return 1;
  }
  checks.push(...(await storageChecks(config)));
  checks.push(...(await keyVaultChecks(config)));
  checks.push(...(await twilioChecks(config, offlineMock)));
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

void runTool({ usage: USAGE, main });
