// azd postprovision hook: waits until the role assignments infra/main.bicep just created are in effect, so that
// `azd deploy` (the platform writes the package to blob storage as the app's identity) and the host's first start
// do not meet a 403. Azure RBAC can take up to about 10 minutes to propagate a new assignment.
//
// Only the deploying user's assignments can be probed from here: it reads the outbound queue and lists the vault's
// secret names as the azd login (or the Azure CLI's). They are created in the same deployment as the app identity's,
// so they stand in for those. Node built-ins only (scripts/azure-rest.mjs says why). It never fails `azd up` or
// `azd provision`: when it cannot check, or the roles are still not in effect at the end, it says so and exits 0.
// Skipped when principalId was empty (no user roles) or with privateNetworking (the data planes are not reachable
// from outside the virtual network).
//   WAIT_FOR_ROLES_SECONDS (default 600), WAIT_FOR_ROLES_INTERVAL_SECONDS (default 15)
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { STORAGE_SCOPE, STORAGE_VERSION, accessToken, networkReason, vaultScope } from './azure-rest.mjs';

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

/** 403 and 5xx can pass with time; a network error too (new names resolve late). Anything else cannot. */
async function probeAnswer(request, errorCode) {
  let response;
  try {
    response = await request();
  } catch (error) {
    return networkReason(error);
  }
  const body = await response.text();
  if (response.ok || response.status === 404) return true; // 404: authorized; the queue itself is not there (yet)
  const code = errorCode(response, body);
  if (response.status === 403 || response.status >= 500) return `${response.status} ${code}`.trim();
  throw new Error(`HTTP ${response.status} ${code}`.trim());
}

export function queueProbe(queueUrl, token) {
  return {
    name: 'Storage Queue Data Contributor on the outbound queue',
    check: () =>
      probeAnswer(
        () =>
          fetch(`${queueUrl}/messages?peekonly=true&numofmessages=1`, {
            headers: { authorization: `Bearer ${token}`, 'x-ms-version': STORAGE_VERSION },
          }),
        (response) => response.headers.get('x-ms-error-code') ?? '',
      ),
  };
}

export function vaultProbe(vaultUrl, token) {
  return {
    name: 'Key Vault Secrets Officer on the vault',
    // Lists names only: no secret value is read.
    check: () =>
      probeAnswer(
        () =>
          fetch(`${vaultUrl.replace(/\/+$/, '')}/secrets?api-version=7.5&maxresults=1`, { headers: { authorization: `Bearer ${token}` } }),
        (_, body) => {
          try {
            return JSON.parse(body).error.code;
          } catch {
            return '';
          }
        },
      ),
  };
}

const RETRY = 'If `azd deploy` then gets a 403, run it again in a few minutes.';

async function main(env) {
  const log = (line) => console.log(line);
  const warn = (line) => console.warn(`wait-for-roles: WARNING: ${line}`);
  if (!env.AZURE_PRINCIPAL_ID) return log('wait-for-roles: skipped: no principalId, so no role of yours to check');
  if (env.AZURE_PRIVATE_NETWORKING === 'true') {
    return log(`wait-for-roles: skipped: with privateNetworking, storage and Key Vault cannot be reached from here. ${RETRY}`);
  }
  const missing = ['AZURE_STORAGE_QUEUE_ENDPOINT', 'OUTBOUND_QUEUE', 'AZURE_KEY_VAULT_URL'].filter((name) => !env[name]);
  if (missing.length)
    return warn(`not checking the role assignments: ${missing.join(', ')} not set (it runs as the azd postprovision hook). ${RETRY}`);
  const tenantId = env.AZURE_TENANT_ID || undefined;
  let scope;
  try {
    scope = await vaultScope(env.AZURE_KEY_VAULT_URL);
  } catch (error) {
    return warn(`not checking the role assignments: the vault could not be asked which token it takes (${networkReason(error)}). ${RETRY}`);
  }
  const [storage, vault] = [await accessToken(STORAGE_SCOPE, { tenantId }), await accessToken(scope, { tenantId })];
  if (!storage.token || !vault.token) {
    return warn(
      `not checking the role assignments: no access token (${storage.problem ?? vault.problem}). Sign in with \`azd auth login\` or \`az login\`. ${RETRY}`,
    );
  }
  const queueUrl = `${env.AZURE_STORAGE_QUEUE_ENDPOINT.replace(/\/+$/, '')}/${env.OUTBOUND_QUEUE}`;
  const timeoutMs = Number(env.WAIT_FOR_ROLES_SECONDS ?? 600) * 1000;
  const intervalMs = Number(env.WAIT_FOR_ROLES_INTERVAL_SECONDS ?? 15) * 1000;
  const started = Date.now();
  let result;
  try {
    result = await waitUntilInEffect([queueProbe(queueUrl, storage.token), vaultProbe(env.AZURE_KEY_VAULT_URL, vault.token)], {
      timeoutMs,
      intervalMs,
      log,
    });
  } catch (error) {
    return warn(`stopped checking the role assignments: ${error.message}. ${RETRY}`);
  }
  if (!result.ok) {
    return warn(
      `after ${Math.round(timeoutMs / 1000)} s these role assignments are still not in effect: ${result.pending.join('; ')}. ` +
        'Azure RBAC usually takes effect within 10 minutes. Check them with `az role assignment list --assignee <your object ID> --all`; ' +
        'if `azd deploy` gets a 403, run it again then.',
    );
  }
  log(`wait-for-roles: role assignments in effect after ${Math.round((Date.now() - started) / 1000)} s (token from ${storage.via})`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main(process.env).catch((error) => {
    // A bug here must not fail the deployment it runs after: say so, and let azd go on.
    console.warn(`wait-for-roles: WARNING: not checking the role assignments: ${String(error?.message ?? error)}`);
  });
}
