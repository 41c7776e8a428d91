// The checks npm run doctor makes that need no local files, so that the app runs them too (the console's Health):
// storage, Key Vault, the Twilio credentials and each number's webhook URLs. They only read.
import { type Check } from './doctorReport';
import { desiredNumberWebhooks, isPlaceholderHost, numberWebhookChanges, signatureWouldPass } from './numberConfig';
import { findNumber } from './phoneNumbersApi';
import type { Settings } from '../platform/settings';
import { readSecret } from '../platform/keyVault';
import { TWILIO_SECRET_NAMES } from '../platform/twilioCredentials';
import { twilioClient } from '../platform/twilioClient';
import { azureCredential } from '../platform/azureCredential';

export const message = (error: unknown) => (error instanceof Error ? error.message : String(error));
/** Enough of a SID to tell accounts apart in a table that may be pasted into a ticket. */
const masked = (sid: string) => `${sid.slice(0, 2)}…${sid.slice(-4)}`;

/** One store's check: `exists` asks storage; a store it lacks gets `missing`, a failed question FAIL with `unreachableFix`. */
async function existenceCheck(
  check: string,
  exists: () => Promise<boolean>,
  missing: Omit<Check, 'check'>,
  unreachableFix: string,
): Promise<Check> {
  try {
    return (await exists()) ? { check, result: 'ok', detail: 'exists' } : { check, ...missing };
  } catch (error) {
    return { check, result: 'FAIL', detail: `storage unreachable: ${message(error)}`, fix: unreachableFix };
  }
}

export async function storageChecks(config: Settings): Promise<Check[]> {
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
  const missing = {
    result: 'FAIL',
    detail: `not in ${where}`,
    fix: 'Provision it (azd provision), or start the app locally (npm start creates what is missing).',
  } as const;
  const poison = `${config.outboundQueue}-poison`;
  const poisonMissing =
    storage.kind === 'connectionString'
      ? ({ result: 'ok', detail: 'none yet: the local host creates it when a message is first poisoned' } as const)
      : ({ result: 'warn', detail: `not in ${where}`, fix: 'azd provision creates it.' } as const);
  const queueUnreachable = "Start Azurite (npm start) or check AzureWebJobsStorage and the identity's Storage Queue Data roles.";
  const tableUnreachable = "Start Azurite (npm start) or check the identity's Storage Table Data Contributor role.";
  const checks: Check[] = [];
  for (const name of [config.outboundQueue, poison])
    checks.push(
      await existenceCheck(
        `queue ${name}`,
        () => queues.getQueueClient(name).exists({ abortSignal: AbortSignal.timeout(10_000) }),
        name === poison ? poisonMissing : missing,
        queueUnreachable,
      ),
    );
  for (const name of [config.outboundLedger, config.optOutTable])
    checks.push(
      await existenceCheck(
        `table ${name}`,
        async () => {
          for await (const _table of tables.listTables({
            queryOptions: { filter: odata`TableName eq ${name}` },
            abortSignal: AbortSignal.timeout(10_000),
          }))
            return true;
          return false;
        },
        missing,
        tableUnreachable,
      ),
    );
  return checks;
}

export async function keyVaultChecks(config: Settings): Promise<Check[]> {
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

/**
 * `offlineMock`: the URL of the offline mock when the checks run against it (no Twilio credentials set, as under
 * `npm start`): its test account counts as configured, and the table says that nothing was checked against Twilio.
 */
export async function twilioChecks(config: Settings, offlineMock?: string): Promise<Check[]> {
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
  const checks: Check[] = isPlaceholderHost(base)
    ? [
        {
          check: 'WEBHOOK_BASE_URL',
          result: 'warn',
          detail: `${base} is a documentation or test domain (RFC 2606): Twilio cannot reach it`,
          fix: "Set WEBHOOK_BASE_URL to the app's public base URL: after azd up, AZURE_FUNCTION_APP_URL, or your own domain.",
        },
      ]
    : [];
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

/** Signature checks on: off is allowed only in Development, and then every webhook takes forged requests. */
export function signatureCheck(config: Pick<Settings, 'validateSignatures'>): Check {
  return config.validateSignatures
    ? { check: 'signature checks', result: 'ok', detail: 'every webhook checks X-Twilio-Signature' }
    : {
        check: 'signature checks',
        result: 'FAIL',
        detail: 'TWILIO_VALIDATE_SIGNATURES=false: webhooks answer requests nobody signed',
        fix: 'Remove TWILIO_VALIDATE_SIGNATURES (it is allowed only in Development).',
      };
}
