// azd postprovision hook: waits until the role assignments infra/main.bicep just created are in effect, so that
// `azd deploy` (the platform writes the package to blob storage as the app's identity) and the host's first start
// do not meet a 403. Azure RBAC can take up to about 10 minutes to propagate a new assignment.
//
// Only the deploying user's assignments can be probed from here: it reads the outbound queue and Key Vault as the
// azd login (AzureDeveloperCliCredential). They are created in the same deployment as the app identity's, so they
// stand in for those. Skipped when principalId was empty (no user roles) or with privateNetworking (the data
// planes are not reachable from outside the virtual network).
//   WAIT_FOR_ROLES_SECONDS (default 600), WAIT_FOR_ROLES_INTERVAL_SECONDS (default 15)
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';

/** A probe answers true when its role is in effect, otherwise a short reason; it throws when waiting cannot help. */
export async function waitUntilInEffect(probes, { timeoutMs, intervalMs, log, now = Date.now, pause = sleep }) {
  const deadline = now() + timeoutMs;
  for (;;) {
    const pending = [];
    for (const probe of probes) {
      const result = await probe.check();
      if (result !== true) pending.push(`${probe.name} (${result})`);
    }
    if (pending.length === 0) return { ok: true };
    if (now() >= deadline) return { ok: false, pending };
    log(`wait-for-roles: not yet in effect: ${pending.join('; ')}; checking again in ${Math.round(intervalMs / 1000)} s`);
    await pause(intervalMs);
  }
}

const forbidden = (error) => error?.statusCode === 403;
// A name not resolving yet or a refused connection can pass (new resources); a bad login or a 400 cannot.
const TRANSIENT = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'REQUEST_SEND_ERROR']);
const transient = (error) => TRANSIENT.has(error?.code) || (error?.statusCode ?? 0) >= 500;
const reason = (error) => (forbidden(error) ? `403 ${error.code ?? ''}`.trim() : `${error.code ?? error.statusCode}`);

export function queueProbe(QueueClient, queueUrl, credential) {
  const client = new QueueClient(queueUrl, credential, { retryOptions: { maxTries: 1 } });
  return {
    name: 'Storage Queue Data Contributor on the outbound queue',
    async check() {
      try {
        await client.peekMessages();
        return true;
      } catch (error) {
        if (error?.statusCode === 404) return true; // authorized; the queue itself is not there (yet)
        if (forbidden(error) || transient(error)) return reason(error);
        throw error;
      }
    },
  };
}

export function vaultProbe(SecretClient, vaultUrl, credential) {
  const client = new SecretClient(vaultUrl, credential, { retryOptions: { maxRetries: 0 } });
  return {
    name: 'Key Vault Secrets Officer on the vault',
    async check() {
      try {
        // Lists names only: no secret value is read.
        await client.listPropertiesOfSecrets().byPage({ maxPageSize: 1 }).next();
        return true;
      } catch (error) {
        if (forbidden(error) || transient(error)) return reason(error);
        throw error;
      }
    },
  };
}

async function main(env) {
  const log = (line) => console.log(line);
  if (!env.AZURE_PRINCIPAL_ID) return log('wait-for-roles: skipped: no principalId, so no role of yours to check');
  if (env.AZURE_PRIVATE_NETWORKING === 'true') {
    return log(
      'wait-for-roles: skipped: with privateNetworking, storage and Key Vault cannot be reached from here. If `azd deploy` gets a 403, run it again in a few minutes.',
    );
  }
  const missing = ['AZURE_STORAGE_QUEUE_ENDPOINT', 'OUTBOUND_QUEUE', 'AZURE_KEY_VAULT_URL'].filter((name) => !env[name]);
  if (missing.length) throw new Error(`wait-for-roles: ${missing.join(', ')} not set; run it as the azd postprovision hook`);
  const [{ AzureDeveloperCliCredential }, { QueueClient }, { SecretClient }] = await Promise.all([
    import('@azure/identity'),
    import('@azure/storage-queue'),
    import('@azure/keyvault-secrets'),
  ]);
  const credential = new AzureDeveloperCliCredential(env.AZURE_TENANT_ID ? { tenantId: env.AZURE_TENANT_ID } : {});
  // Sign-in problems first, once: inside the SDK pipelines a failing credential is retried for minutes.
  await credential.getToken('https://storage.azure.com/.default');
  const queueUrl = `${env.AZURE_STORAGE_QUEUE_ENDPOINT.replace(/\/+$/, '')}/${env.OUTBOUND_QUEUE}`;
  const timeoutMs = Number(env.WAIT_FOR_ROLES_SECONDS ?? 600) * 1000;
  const intervalMs = Number(env.WAIT_FOR_ROLES_INTERVAL_SECONDS ?? 15) * 1000;
  const started = Date.now();
  const result = await waitUntilInEffect(
    [queueProbe(QueueClient, queueUrl, credential), vaultProbe(SecretClient, env.AZURE_KEY_VAULT_URL, credential)],
    {
      timeoutMs,
      intervalMs,
      log,
    },
  );
  if (!result.ok) {
    console.error(
      `wait-for-roles: after ${Math.round(timeoutMs / 1000)} s these role assignments are still not in effect: ${result.pending.join('; ')}. ` +
        'Azure RBAC usually takes effect within 10 minutes. Check them with `az role assignment list --assignee <your object ID> --all`, then run `azd deploy`.',
    );
    process.exitCode = 1;
    return;
  }
  log(`wait-for-roles: role assignments in effect after ${Math.round((Date.now() - started) / 1000)} s`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main(process.env).catch((error) => {
    console.error(String(error?.message ?? error));
    process.exitCode = 1;
  });
}
