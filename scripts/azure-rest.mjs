// What the azd hooks need from Azure, with Node's built-ins only: an access token from the azd or Azure CLI login,
// and a few data-plane REST calls. azd runs hooks from the project folder, and since azd 1.25 `azd up` packages
// (which runs `npm install`) while it provisions, so a postprovision hook may run before node_modules exists; a
// standalone `azd provision` never creates it. Nothing here may import a package.
import { execFile } from 'node:child_process';

const windows = process.platform === 'win32';

function run(file, args) {
  return new Promise((resolve) => {
    // az is a .cmd script on Windows, which only a shell can start.
    execFile(file, args, { shell: windows, windowsHide: true, timeout: 120_000 }, (error, stdout, stderr) =>
      resolve({ error, stdout: String(stdout), stderr: String(stderr) }),
    );
  });
}

/** The first line of a CLI's complaint, without anything that looks like a token. */
const firstLine = (text) =>
  (text.split('\n').find((line) => line.trim()) ?? '')
    .replace(/eyJ[\w-]+\.[\w-]+\.[\w-]*/g, '<token>')
    .trim()
    .slice(0, 300);

/**
 * A bearer token for `scope`, from `azd auth token` (the login azd itself deploys with), else from the Azure CLI.
 * Returns { token, via } or { problem } naming why neither worked; never throws.
 */
export async function accessToken(scope, { tenantId } = {}) {
  const problems = [];
  const azd = await run('azd', ['auth', 'token', '--output', 'json', '--scope', scope, ...(tenantId ? ['--tenant-id', tenantId] : [])]);
  if (!azd.error) {
    try {
      const token = JSON.parse(azd.stdout).token;
      if (token) return { token, via: 'azd auth token' };
    } catch {
      // fall through to the Azure CLI
    }
    problems.push('azd auth token printed no token');
  } else {
    problems.push(azd.error.code === 'ENOENT' ? 'azd is not on PATH' : `azd auth token: ${firstLine(azd.stderr) || azd.error.message}`);
  }
  const az = await run('az', [
    'account',
    'get-access-token',
    '--scope',
    scope,
    '--output',
    'json',
    ...(tenantId ? ['--tenant', tenantId] : []),
  ]);
  if (!az.error) {
    try {
      const token = JSON.parse(az.stdout).accessToken;
      if (token) return { token, via: 'az account get-access-token' };
    } catch {
      // reported below
    }
    problems.push('az account get-access-token printed no token');
  } else {
    problems.push(
      az.error.code === 'ENOENT' ? 'az is not on PATH' : `az account get-access-token: ${firstLine(az.stderr) || az.error.message}`,
    );
  }
  return { problem: problems.join('; ') };
}

/** A refused connection or a name not resolving yet: new resources can answer that for a while. */
export function networkReason(error) {
  const code = error?.cause?.code ?? error?.code;
  return code ? String(code) : String(error?.message ?? error);
}

/**
 * The token scope a Key Vault asks for, read from its 401 challenge the way @azure/keyvault-secrets does, so the
 * hooks work in every cloud. The challenge's resource must be a parent domain of the vault's host, or a vault URL
 * pointing elsewhere could collect a token for another resource.
 */
export async function vaultScope(vaultUrl) {
  const response = await fetch(`${vaultUrl.replace(/\/+$/, '')}/secrets?api-version=7.5&maxresults=1`);
  await response.arrayBuffer();
  const challenge = response.headers.get('www-authenticate') ?? '';
  const resource = /(?:resource|scope)="([^"]+)"/.exec(challenge)?.[1];
  if (response.status !== 401 || !resource)
    throw new Error(`${vaultUrl} did not answer with a Key Vault challenge (HTTP ${response.status})`);
  const resourceHost = new URL(resource).hostname;
  const vaultHost = new URL(vaultUrl).hostname;
  if (!vaultHost.endsWith(`.${resourceHost}`))
    throw new Error(`${vaultUrl} asked for a token for ${resource}, which is not its own service`);
  return `${resource.replace(/\/\.default$/, '').replace(/\/+$/, '')}/.default`;
}

/** The names of the vault's secrets (and whether each is enabled): Key Vault lists no values. */
export async function listSecretNames(vaultUrl, token) {
  const names = new Map();
  let next = `${vaultUrl.replace(/\/+$/, '')}/secrets?api-version=7.5&maxresults=25`;
  while (next) {
    const response = await fetch(next, { headers: { authorization: `Bearer ${token}` } });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) return { status: response.status, code: body?.error?.code ?? '' };
    for (const item of body.value ?? []) names.set(item.id.split('/secrets/')[1].split('/')[0], item.attributes?.enabled !== false);
    next = body.nextLink || undefined;
  }
  return { status: 200, names };
}

export const STORAGE_SCOPE = 'https://storage.azure.com/.default';
// Any version from 2017-11-09 on accepts Entra ID bearer tokens.
export const STORAGE_VERSION = '2021-12-02';
