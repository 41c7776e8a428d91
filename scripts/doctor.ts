// npm run doctor: checks a configuration, local or in Azure, and prints one table (check, result, detail, how to fix).
// Exits 1 when any check fails. It only reads: nothing is created or changed (but local.settings.json, from the
// sample, on a fresh clone, as every tool does).
import { useLocalSettings } from '../devhost/localSettings';
import { OFFLINE_MOCK_PORT, useRunningOfflineMock } from '../devhost/services';
import { failed, renderChecks, type Check } from '../shared/operations/doctorReport';
import { desiredNumberWebhooks, numberWebhookChanges, signatureWouldPass } from '../shared/operations/numberConfig';
import { findNumber } from '../shared/operations/phoneNumbersApi';
import { routePath } from '../shared/platform/routes';
import { parseSettings, type Settings } from '../shared/platform/settings';
import { readSecret } from '../shared/platform/keyVault';
import { TWILIO_SECRET_NAMES } from '../shared/platform/twilioCredentials';
import { twilioClient } from '../shared/platform/twilioClient';
import { azureCredential } from '../shared/platform/azureCredential';
import { parseToolArgs, runTool, UsageError } from './toolCli';

const USAGE = `Usage:
  npm run doctor [-- --mock-port N]
  KEY_VAULT_URL=https://kv-x.vault.azure.net WEBHOOK_BASE_URL=https://x.azurewebsites.net npm run doctor

Checks the settings (local.settings.json under the environment), storage (queues and tables), Key Vault, the Twilio
credentials and where TWILIO_PHONE_NUMBERS point, and prints one table with how to fix each failure. Exits 1 when a
check fails. Only reads. Without Twilio credentials it checks against the offline mock \`npm start\` runs
(--mock-port, default 4010), as the app would use it.`;

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));
/** Enough of a SID to tell accounts apart in a table that may be pasted into a ticket. */
const masked = (sid: string) => `${sid.slice(0, 2)}…${sid.slice(-4)}`;

async function storageChecks(config: Settings): Promise<Check[]> {
  const [{ QueueServiceClient }, { TableServiceClient, odata }] = await Promise.all([
    import('@azure/storage-queue'),
    import('@azure/data-tables'),
  ]);
  const storage = config.storage;
  const queues =
    storage.kind === 'connectionString'
      ? QueueServiceClient.fromConnectionString(storage.connectionString, { retryOptions: { maxTries: 2 } })
      : new QueueServiceClient(storage.queueServiceUri, await azureCredential(), { retryOptions: { maxTries: 2 } });
  const tables =
    storage.kind === 'connectionString'
      ? TableServiceClient.fromConnectionString(storage.connectionString, {
          allowInsecureConnection: true,
          retryOptions: { maxRetries: 1 },
        })
      : new TableServiceClient(storage.tableServiceUri, await azureCredential(), { retryOptions: { maxRetries: 1 } });
  const where = storage.kind === 'connectionString' ? 'the storage in AzureWebJobsStorage' : storage.queueServiceUri;
  const checks: Check[] = [];
  for (const name of [config.outboundQueue, `${config.outboundQueue}-poison`]) {
    try {
      const exists = await queues.getQueueClient(name).exists({ abortSignal: AbortSignal.timeout(10_000) });
      checks.push(
        exists
          ? { check: `queue ${name}`, result: 'ok', detail: 'exists' }
          : name.endsWith('-poison')
            ? storage.kind === 'connectionString'
              ? { check: `queue ${name}`, result: 'ok', detail: 'none yet: the local host creates it when a message is first poisoned' }
              : { check: `queue ${name}`, result: 'warn', detail: `not in ${where}`, fix: 'azd provision creates it.' }
            : {
                check: `queue ${name}`,
                result: 'FAIL',
                detail: `not in ${where}`,
                fix: 'Provision it (azd provision), or start the app locally (npm start creates what is missing).',
              },
      );
    } catch (error) {
      checks.push({
        check: `queue ${name}`,
        result: 'FAIL',
        detail: `storage unreachable: ${message(error)}`,
        fix: "Start Azurite (npm start) or check AzureWebJobsStorage and the identity's Storage Queue Data roles.",
      });
    }
  }
  for (const name of [config.outboundLedger, config.optOutTable]) {
    try {
      const found = [];
      for await (const table of tables.listTables({
        queryOptions: { filter: odata`TableName eq ${name}` },
        abortSignal: AbortSignal.timeout(10_000),
      }))
        found.push(table);
      checks.push(
        found.length
          ? { check: `table ${name}`, result: 'ok', detail: 'exists' }
          : {
              check: `table ${name}`,
              result: 'FAIL',
              detail: `not in ${where}`,
              fix: 'Provision it (azd provision), or start the app locally (npm start creates what is missing).',
            },
      );
    } catch (error) {
      checks.push({
        check: `table ${name}`,
        result: 'FAIL',
        detail: `storage unreachable: ${message(error)}`,
        fix: "Start Azurite (npm start) or check the identity's Storage Table Data Contributor role.",
      });
    }
  }
  return checks;
}

async function keyVaultChecks(config: Settings): Promise<Check[]> {
  if (!config.keyVaultUrl)
    return [{ check: 'Key Vault', result: 'skipped', detail: 'KEY_VAULT_URL is not set: credentials come from the TWILIO_* settings' }];
  const required = [TWILIO_SECRET_NAMES.accountSid, TWILIO_SECRET_NAMES.authToken];
  return Promise.all(
    required.map(async (name): Promise<Check> => {
      try {
        await readSecret(config.keyVaultUrl!, name);
        return { check: `secret ${name}`, result: 'ok', detail: `in ${config.keyVaultUrl}` };
      } catch (error) {
        return {
          check: `secret ${name}`,
          result: 'FAIL',
          detail: message(error),
          fix: 'The message says what to do (add the secret, or grant Key Vault Secrets User).',
        };
      }
    }),
  );
}

/** Set when the checks run against the offline mock: its URL. */
let offlineMock: string | undefined;

async function twilioChecks(config: Settings): Promise<Check[]> {
  let client;
  try {
    client = await twilioClient();
    const account = await client.api.v2010.accounts(client.accountSid).fetch();
    const checks: Check[] = [
      offlineMock
        ? {
            check: 'Twilio credentials',
            result: 'ok',
            detail:
              `offline mock: the test account ${masked(client.accountSid)} fetched from ${offlineMock} (Prism on Twilio's spec). ` +
              'Nothing was checked against real Twilio: set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN for that.',
          }
        : account.status === 'active'
          ? { check: 'Twilio credentials', result: 'ok', detail: `account ${masked(account.sid)} is active (${account.type})` }
          : {
              check: 'Twilio credentials',
              result: 'FAIL',
              detail: `account ${masked(account.sid)} is ${account.status}`,
              fix: 'Reactivate the account in the Twilio Console.',
            },
    ];
    return [...checks, ...(await numberChecks(config))];
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (offlineMock)
      return [
        {
          check: 'Twilio credentials',
          result: 'FAIL',
          detail: `no Twilio credentials are set, and the offline mock at ${offlineMock} did not answer (${message(error)})`,
          fix: 'Start the app (npm start), which runs the offline mock, or set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN.',
        },
      ];
    return [
      {
        check: 'Twilio credentials',
        result: 'FAIL',
        detail: status === 401 ? 'Twilio refused the credentials (401)' : message(error),
        fix:
          status === 401
            ? 'Set the account SID and auth token (or API key) of this account, in Key Vault or the settings.'
            : 'Check the network path to Twilio, or TWILIO_API_BASE_URL.',
      },
    ];
  }
}

async function numberChecks(config: Settings): Promise<Check[]> {
  const base = config.webhookBaseUrl;
  if (!config.twilio.phoneNumbers.length)
    return [
      {
        check: 'numbers',
        result: 'skipped',
        detail: 'TWILIO_PHONE_NUMBERS is empty',
        fix: 'List the numbers this app answers, to check where they point.',
      },
    ];
  if (!base)
    return [
      {
        check: 'numbers',
        result: 'FAIL',
        detail: 'WEBHOOK_BASE_URL is not set, so no URL can be checked',
        fix: "Set WEBHOOK_BASE_URL to the app's public base URL.",
      },
    ];
  const desired = desiredNumberWebhooks(base, config.twilio.fallbackUrl);
  const checks: Check[] = [];
  for (const entry of config.twilio.phoneNumbers) {
    const found = await findNumber(entry);
    if ('problem' in found) {
      checks.push({
        check: `number ${entry}`,
        result: 'FAIL',
        detail: found.problem,
        fix: 'Check TWILIO_PHONE_NUMBERS.',
      });
      continue;
    }
    const { number } = found;
    const changes = numberWebhookChanges(number, desired);
    checks.push(
      changes.length
        ? {
            check: `number ${number.phoneNumber} URLs`,
            result: 'FAIL',
            detail: changes.map((c) => `${c.field} is ${c.from ?? '(none)'}, should be ${c.to}`).join('\n'),
            fix: 'npm run point-numbers -- --yes',
          }
        : { check: `number ${number.phoneNumber} URLs`, result: 'ok', detail: `voice, SMS, status and fallback point at ${base}` },
    );
    const unsigned = (['voiceUrl', 'smsUrl', 'statusCallback'] as const).filter(
      (field) => !signatureWouldPass(number[field] ?? undefined, base),
    );
    checks.push(
      unsigned.length
        ? {
            check: `number ${number.phoneNumber} signatures`,
            result: 'FAIL',
            detail: `${unsigned.join(', ')} ${unsigned.length > 1 ? 'are' : 'is'} not under ${base}: the app checks signatures against WEBHOOK_BASE_URL, so those requests get 403`,
            fix: `Point them under ${base} (npm run point-numbers), or set WEBHOOK_BASE_URL to the base Twilio calls.`,
          }
        : {
            check: `number ${number.phoneNumber} signatures`,
            result: 'ok',
            detail: 'Twilio signs URLs under WEBHOOK_BASE_URL, which is what the app checks',
          },
    );
  }
  return checks;
}

async function main(args: string[]): Promise<number> {
  const { values, positionals } = parseToolArgs(args, { 'mock-port': { type: 'string' } }, true);
  if (positionals.length) throw new UsageError(`Unexpected argument: ${positionals.join(' ')}`);
  const mockPort = Number(values['mock-port'] ?? OFFLINE_MOCK_PORT);
  if (!Number.isInteger(mockPort) || mockPort < 1 || mockPort > 65535)
    throw new UsageError(`--mock-port takes a port number, got "${values['mock-port']}"`);
  const local = useLocalSettings(process.cwd());
  // What `npm start` does without credentials: the mock's test credentials count as configured.
  offlineMock = useRunningOfflineMock(process.env, mockPort, local.localHttpPort);
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

void runTool({ usage: USAGE, main });
