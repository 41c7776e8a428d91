// azd postdeploy hook: when the azd environment names Twilio numbers (azd env set TWILIO_PHONE_NUMBERS +14155550100),
// points them at the deployed app with npm run point-numbers -- --yes, reading the credentials from the deployment's
// Key Vault with the deployer's own login. It points them only when the vault holds the credentials; otherwise (a
// first `azd up`: the vault is new and empty), or when the vault cannot be checked from here, it says what to do
// next and exits 0, so that a deployment that succeeded is not reported as failed. Deciding that takes Node's
// built-ins only; pointing the numbers needs the project's node_modules, which `azd deploy` has installed by then.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { accessToken, listSecretNames, networkReason, vaultScope } from './azure-rest.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The secrets point-numbers cannot do without (shared/platform/twilioCredentials.ts reads them). */
export const REQUIRED_SECRETS = ['twilio-account-sid', 'twilio-auth-token'];

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

const LATER = 'Then point the numbers with `npm run point-numbers -- --yes`, or run this hook again with `azd hooks run postdeploy`.';

/** Why the numbers cannot be pointed now, with what to do; undefined when the vault holds the credentials. */
async function notReady(env) {
  const vaultUrl = env.AZURE_KEY_VAULT_URL;
  const vaultName = env.AZURE_KEY_VAULT_NAME || vaultUrl;
  const setThem = `Set them as docs/deploying.md shows (step 2, "Set the Twilio credentials"), for example \`az keyvault secret set --vault-name ${vaultName} --name twilio-auth-token --file <file> --output none\`.`;
  if (!vaultUrl) return 'AZURE_KEY_VAULT_URL is not in the azd environment (run `azd provision` first).';
  if (env.AZURE_PRIVATE_NETWORKING === 'true') {
    return `with privateNetworking the vault cannot be reached from here, so its credentials cannot be checked. From inside the virtual network: ${LATER.replace('Then p', 'P')}`;
  }
  let scope;
  try {
    scope = await vaultScope(vaultUrl);
  } catch (error) {
    return `the vault could not be reached (${networkReason(error)}). ${LATER}`;
  }
  const token = await accessToken(scope, { tenantId: env.AZURE_TENANT_ID || undefined });
  if (!token.token) return `no access token for the vault (${token.problem}). Sign in with \`azd auth login\` or \`az login\`. ${LATER}`;
  const listed = await listSecretNames(vaultUrl, token.token).catch((error) => ({ status: networkReason(error) }));
  if (listed.status !== 200) {
    const role =
      listed.status === 403
        ? ' Your login needs Key Vault Secrets Officer on the vault (the deployment gives it to principalId; it can take minutes to apply).'
        : '';
    return `the vault's secret names could not be listed (${listed.status} ${listed.code ?? ''}).${role} ${LATER}`.replace(/ +\)/, ')');
  }
  const absent = REQUIRED_SECRETS.filter((name) => !listed.names.get(name));
  if (absent.length) return `the vault ${vaultName} does not hold ${absent.join(' and ')} yet. ${setThem} ${LATER}`;
  return undefined;
}

async function main(env) {
  const settings = settingsFromAzd(env);
  if (!settings.TWILIO_PHONE_NUMBERS.trim()) {
    console.log(
      'TWILIO_PHONE_NUMBERS is not set in the azd environment: no Twilio number is pointed at the app (azd env set TWILIO_PHONE_NUMBERS +1...).',
    );
    return 0;
  }
  const reason = await notReady(env);
  if (reason) {
    console.log(`point-numbers: the Twilio numbers were not pointed at the app: ${reason}`);
    return 0;
  }
  if (!existsSync(join(root, 'node_modules', 'esbuild', 'package.json'))) {
    console.log(`point-numbers: the Twilio numbers were not pointed at the app: node_modules is missing (run \`npm install\`). ${LATER}`);
    return 0;
  }
  execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { stdio: 'inherit', cwd: root });
  execFileSync(process.execPath, [join(root, 'build', 'point-numbers.js'), '--yes'], {
    stdio: 'inherit',
    cwd: root,
    env: { ...env, ...settings },
  });
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.env).catch((error) => {
    // The credentials are there and pointing failed (Twilio refused, a number is not on the account): a real
    // failure of what the environment asked for, reported as one.
    console.error(`point-numbers: ${String(error?.message ?? error)}`);
    return 1;
  });
}
