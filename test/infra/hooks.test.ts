// The azd project hooks (azure.yaml: postprovision, postdeploy), run as azd runs them on a fresh clone: a child Node
// process started in a copy of the project that has no node_modules anywhere above it (since azd 1.25 `azd up`
// provisions while it packages, and a standalone `azd provision` never installs them), with the azd environment's
// values, a stand-in `azd` and `az` on PATH that print a token, and loopback HTTPS fakes of the outbound queue and
// Key Vault (harness/keyVaultFake.ts) that refuse with 403 until the role "takes effect".
import { spawn } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { startKeyVaultFake, type KeyVaultFake } from '../../harness/keyVaultFake';
import { createTestCertificate, type TestCertificate } from '../../harness/testCertificate';
import { LOOPBACK_DNS_PRELOAD, VAULT_HOSTNAME, VAULT_RESOURCE } from '../../harness/vaultChain';
import { repoRoot } from './armTemplate';

jest.setTimeout(60_000);

const QUEUE_HOST = 'stexample.queue.storage.test';
const TOKEN = 'azd-issued-token-3f1e';
const AZ_TOKEN = 'az-cli-token-77c2';

let certificate: TestCertificate;
let vault: KeyVaultFake;
let queue: Server;
let queueUrl: string;
/** How many more queue reads get 403 before the role "takes effect"; Infinity for never. */
let queueForbiddenFor = 0;
const queueRequests: { authorization?: string; version?: string; url?: string; status: number }[] = [];
let work: string;
let clone: string;
let fakeBin: string;
let noLoginBin: string;

const azureYaml = parse(readFileSync(join(repoRoot, 'azure.yaml'), 'utf8')) as { hooks: Record<string, { run: string }> };
/** `node scripts/x.mjs` → scripts/x.mjs */
const hookScript = (name: string) => azureYaml.hooks[name].run.replace(/^node /, '');

function writeExecutable(dir: string, name: string, text: string) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, name), text);
  chmodSync(join(dir, name), 0o755);
}

beforeAll(async () => {
  certificate = createTestCertificate([VAULT_HOSTNAME, QUEUE_HOST]);
  vault = await startKeyVaultFake({
    hostname: VAULT_HOSTNAME,
    resource: VAULT_RESOURCE,
    tenantId: '00000000-0000-0000-0000-0000000000aa',
    certificate,
    authorize: (token) => (token === TOKEN || token === AZ_TOKEN ? 'deployer' : undefined),
  });
  queue = createServer({ key: certificate.key, cert: certificate.cert }, (req, res) => {
    const authorized = req.headers.authorization === `Bearer ${TOKEN}` || req.headers.authorization === `Bearer ${AZ_TOKEN}`;
    const status = !authorized ? 401 : queueForbiddenFor > 0 ? 403 : 200;
    if (status === 403) queueForbiddenFor--;
    queueRequests.push({ authorization: req.headers.authorization, version: req.headers['x-ms-version'] as string, url: req.url, status });
    const code = status === 403 ? 'AuthorizationPermissionMismatch' : status === 401 ? 'InvalidAuthenticationInfo' : undefined;
    res.writeHead(status, { 'content-type': 'application/xml', ...(code ? { 'x-ms-error-code': code } : {}) });
    res.end(
      code
        ? `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>refused</Message></Error>`
        : '<?xml version="1.0" encoding="utf-8"?><QueueMessagesList></QueueMessagesList>',
    );
  });
  await new Promise<void>((resolve) => queue.listen(0, '127.0.0.1', resolve));
  queueUrl = `https://${QUEUE_HOST}:${(queue.address() as AddressInfo).port}/`;

  work = mkdtempSync(join(tmpdir(), 'hooks-'));
  // A fresh clone: the hooks azure.yaml names and what they import from the project, and no node_modules.
  clone = join(work, 'clone');
  mkdirSync(join(clone, 'scripts'), { recursive: true });
  cpSync(join(repoRoot, 'azure.yaml'), join(clone, 'azure.yaml'));
  for (const file of ['wait-for-roles.mjs', 'point-numbers-hook.mjs', 'azure-rest.mjs'])
    cpSync(join(repoRoot, 'scripts', file), join(clone, 'scripts', file));
  // Stand-ins for `azd auth token --output json` and `az account get-access-token --output json`; each records its
  // arguments. The `azd` in noLoginBin is signed out, as azd says it.
  fakeBin = join(work, 'bin');
  writeExecutable(
    fakeBin,
    'azd',
    `#!/bin/sh\necho "$@" >> ${work}/azd.args\necho '{"token":"${TOKEN}","expiresOn":"2099-01-01T00:00:00Z"}'\n`,
  );
  writeExecutable(
    fakeBin,
    'az',
    `#!/bin/sh\necho "$@" >> ${work}/az.args\necho '{"accessToken":"${AZ_TOKEN}","expiresOn":"2099-01-01 00:00:00.000000"}'\n`,
  );
  noLoginBin = join(work, 'signed-out');
  writeExecutable(noLoginBin, 'azd', "#!/bin/sh\necho 'ERROR: not logged in, run `azd auth login` to login' >&2\nexit 1\n");
});

afterAll(async () => {
  await vault.stop();
  await new Promise((resolve) => queue.close(resolve));
  certificate.remove();
  rmSync(work, { recursive: true, force: true });
});

const nodeOnly = dirname(process.execPath);

function runHook(
  script: string,
  env: Record<string, string>,
  { root = clone, path = `${fakeBin}:${nodeOnly}` }: { root?: string; path?: string } = {},
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, script)], {
      cwd: root,
      env: {
        PATH: path,
        NODE_EXTRA_CA_CERTS: certificate.certPath,
        NODE_OPTIONS: `--require ${JSON.stringify(LOOPBACK_DNS_PRELOAD)}`,
        LOOPBACK_HOSTS: `${VAULT_HOSTNAME},${QUEUE_HOST}`,
        AZURE_PRINCIPAL_ID: '11111111-2222-3333-4444-555555555555',
        AZURE_TENANT_ID: '00000000-0000-0000-0000-0000000000aa',
        AZURE_STORAGE_QUEUE_ENDPOINT: queueUrl,
        OUTBOUND_QUEUE: 'twilio-outbound',
        AZURE_KEY_VAULT_URL: vault.url,
        AZURE_KEY_VAULT_NAME: 'kv-example',
        WAIT_FOR_ROLES_INTERVAL_SECONDS: '0.2',
        ...env,
      },
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('close', (code) => resolve({ code, output }));
  });
}

test('the fresh clone has no node_modules anywhere above the hooks', () => {
  for (let dir = clone; dir !== dirname(dir); dir = dirname(dir)) expect(existsSync(join(dir, 'node_modules'))).toBe(false);
  expect(hookScript('postprovision')).toBe('scripts/wait-for-roles.mjs');
  expect(hookScript('postdeploy')).toBe('scripts/point-numbers-hook.mjs');
});

test('the project hooks import only Node built-ins and each other', () => {
  for (const file of ['wait-for-roles.mjs', 'point-numbers-hook.mjs', 'azure-rest.mjs']) {
    const text = readFileSync(join(repoRoot, 'scripts', file), 'utf8');
    const specifiers = [...text.matchAll(/(?:import\s[^'"]*from\s*|import\()\s*['"]([^'"]+)['"]/g)].map((m) => m[1]);
    expect({ file, packages: specifiers.filter((s) => !s.startsWith('node:') && !s.startsWith('./')) }).toEqual({ file, packages: [] });
  }
});

describe('postprovision: wait for the role assignments', () => {
  const script = () => hookScript('postprovision');

  test('waits while storage and Key Vault answer 403, and succeeds once both roles are in effect', async () => {
    queueForbiddenFor = 3;
    vault.mode = 'forbidden';
    const before = queueRequests.length;
    // The vault's role "takes effect" after it refused twice.
    const refusals = () => vault.requests.filter((r) => r.status === 403).length;
    const flip = setInterval(() => refusals() >= 2 && (vault.mode = 'up'), 20);
    const { code, output } = await runHook(script(), { WAIT_FOR_ROLES_SECONDS: '30' });
    clearInterval(flip);
    expect(output).toMatch(
      /not yet in effect: Storage Queue Data Contributor on the outbound queue \(403 AuthorizationPermissionMismatch\)/,
    );
    expect(output).toMatch(/Key Vault Secrets Officer on the vault \(403 Forbidden\)/);
    expect(output).toMatch(/role assignments in effect after \d+ s \(token from azd auth token\)/);
    expect(code).toBe(0);
    const mine = queueRequests.slice(before);
    expect(mine.filter((r) => r.status === 403)).toHaveLength(3);
    expect(
      mine.every((r) => r.authorization === `Bearer ${TOKEN}` && r.url === '/twilio-outbound/messages?peekonly=true&numofmessages=1'),
    ).toBe(true);
    expect(mine.every((r) => r.version && r.version >= '2017-11-09')).toBe(true);
    // The vault's token was asked for the resource its challenge named, in the deployment's tenant.
    expect(readFileSync(join(work, 'azd.args'), 'utf8')).toContain(
      `auth token --output json --scope ${VAULT_RESOURCE}/.default --tenant-id 00000000-0000-0000-0000-0000000000aa`,
    );
    expect(output).not.toContain(TOKEN);
  });

  test('after WAIT_FOR_ROLES_SECONDS it warns, naming the role and what to do, and lets azd go on', async () => {
    queueForbiddenFor = Infinity;
    vault.mode = 'up';
    const { code, output } = await runHook(script(), { WAIT_FOR_ROLES_SECONDS: '1' });
    expect(code).toBe(0);
    expect(output).toMatch(
      /WARNING: after 1 s these role assignments are still not in effect: Storage Queue Data Contributor on the outbound queue \(403 AuthorizationPermissionMismatch\)/,
    );
    expect(output).not.toMatch(/still not in effect:.*Key Vault/);
    expect(output).toMatch(/if `azd deploy` gets a 403, run it again then/);
    queueForbiddenFor = 0;
  });

  test('with azd signed out it takes the Azure CLI token', async () => {
    const { code, output } = await runHook(script(), { WAIT_FOR_ROLES_SECONDS: '5' }, { path: `${noLoginBin}:${fakeBin}:${nodeOnly}` });
    expect(output).toMatch(/role assignments in effect after \d+ s \(token from az account get-access-token\)/);
    expect(code).toBe(0);
    expect(queueRequests.at(-1)?.authorization).toBe(`Bearer ${AZ_TOKEN}`);
  });

  test('with neither azd nor az signed in it warns at once and exits 0', async () => {
    const before = queueRequests.length;
    const { code, output } = await runHook(script(), { WAIT_FOR_ROLES_SECONDS: '30' }, { path: `${noLoginBin}:${nodeOnly}` });
    expect(code).toBe(0);
    expect(output).toMatch(
      /WARNING: not checking the role assignments: no access token \(azd auth token: ERROR: not logged in.*; az is not on PATH\)/,
    );
    expect(output).toMatch(/Sign in with `azd auth login` or `az login`/);
    expect(queueRequests.length).toBe(before);
  });

  test('an unreachable vault or missing outputs are warnings, not failures', async () => {
    vault.mode = 'drop-connections';
    const down = await runHook(script(), { WAIT_FOR_ROLES_SECONDS: '30' });
    vault.mode = 'up';
    expect(down.code).toBe(0);
    expect(down.output).toMatch(/WARNING: not checking the role assignments: the vault could not be asked/);
    const unset = await runHook(script(), { AZURE_KEY_VAULT_URL: '' });
    expect(unset.code).toBe(0);
    expect(unset.output).toMatch(/WARNING: not checking the role assignments: AZURE_KEY_VAULT_URL not set/);
  });

  test('is skipped when there is no principalId, and with private networking', async () => {
    const before = queueRequests.length;
    const noUser = await runHook(script(), { AZURE_PRINCIPAL_ID: '' });
    expect(noUser).toMatchObject({ code: 0 });
    expect(noUser.output).toMatch(/skipped: no principalId/);
    const privateNet = await runHook(script(), { AZURE_PRIVATE_NETWORKING: 'true' });
    expect(privateNet).toMatchObject({ code: 0 });
    expect(privateNet.output).toMatch(/skipped: with privateNetworking/);
    expect(queueRequests.length).toBe(before);
  });
});

describe('postdeploy: point the numbers at the app', () => {
  const script = () => hookScript('postdeploy');
  const numbers = { TWILIO_PHONE_NUMBERS: '+14155550100', TWILIO_VOICE_WEBHOOK_URL: 'https://func-x.azurewebsites.net/api/voice' };
  const secretReads = () => vault.requests.filter((r) => r.secretName).length;

  test('on a first azd up (an empty vault) it says what to do next and exits 0, reading no secret', async () => {
    vault.mode = 'up';
    const reads = secretReads();
    const { code, output } = await runHook(script(), numbers);
    expect(code).toBe(0);
    expect(output).toMatch(
      /the Twilio numbers were not pointed at the app: the vault kv-example does not hold twilio-account-sid and twilio-auth-token yet/,
    );
    expect(output).toContain('az keyvault secret set --vault-name kv-example --name twilio-auth-token --file <file> --output none');
    expect(output).toMatch(/npm run point-numbers -- --yes.*azd hooks run postdeploy/);
    expect(secretReads()).toBe(reads);
  });

  test('with one credential set it names the one still missing', async () => {
    vault.setSecret('twilio-account-sid', 'AC00000000000000000000000000000000');
    const { code, output } = await runHook(script(), numbers);
    vault.deleteSecret('twilio-account-sid');
    expect(code).toBe(0);
    expect(output).toMatch(/does not hold twilio-auth-token yet/);
  });

  test('a vault that refuses or cannot be reached, and private networking, are reported with exit 0', async () => {
    vault.mode = 'forbidden';
    const refused = await runHook(script(), numbers);
    expect(refused.code).toBe(0);
    expect(refused.output).toMatch(/could not be listed \(403 Forbidden\)\. Your login needs Key Vault Secrets Officer/);
    vault.mode = 'drop-connections';
    const down = await runHook(script(), numbers);
    expect(down.code).toBe(0);
    expect(down.output).toMatch(/the vault could not be reached/);
    vault.mode = 'up';
    const privateNet = await runHook(script(), { ...numbers, AZURE_PRIVATE_NETWORKING: 'true' });
    expect(privateNet.code).toBe(0);
    expect(privateNet.output).toMatch(/with privateNetworking the vault cannot be reached from here/);
  });

  test('with the credentials in the vault but no node_modules it says to install them, and exits 0', async () => {
    vault.setSecret('twilio-account-sid', 'AC00000000000000000000000000000000');
    vault.setSecret('twilio-auth-token', 'sentinel-auth-token');
    try {
      const { code, output } = await runHook(script(), numbers);
      expect(code).toBe(0);
      expect(output).toMatch(/node_modules is missing \(run `npm install`\)/);
      expect(output).not.toContain('sentinel-auth-token');
    } finally {
      vault.deleteSecret('twilio-account-sid');
      vault.deleteSecret('twilio-auth-token');
    }
  });

  test('with the credentials in the vault and node_modules installed it runs point-numbers --yes with the app settings', async () => {
    // An installed clone whose build and point-numbers are stand-ins that record how they were run.
    const installed = join(work, 'installed');
    cpSync(clone, installed, { recursive: true });
    writeExecutable(join(installed, 'node_modules', 'esbuild'), 'package.json', '{"name":"esbuild"}');
    writeFileSync(join(installed, 'scripts', 'build.mjs'), `import { writeFileSync } from 'node:fs'; writeFileSync('built', 'yes');\n`);
    writeExecutable(
      join(installed, 'build'),
      'point-numbers.js',
      `require('node:fs').writeFileSync('pointed.json', JSON.stringify({ argv: process.argv.slice(2), base: process.env.WEBHOOK_BASE_URL, vault: process.env.KEY_VAULT_URL, numbers: process.env.TWILIO_PHONE_NUMBERS }));\n`,
    );
    vault.setSecret('twilio-account-sid', 'AC00000000000000000000000000000000');
    vault.setSecret('twilio-auth-token', 'sentinel-auth-token');
    try {
      const { code } = await runHook(script(), numbers, { root: installed });
      expect(code).toBe(0);
      expect(existsSync(join(installed, 'built'))).toBe(true);
      expect(JSON.parse(readFileSync(join(installed, 'pointed.json'), 'utf8'))).toEqual({
        argv: ['--yes'],
        base: 'https://func-x.azurewebsites.net',
        vault: vault.url,
        numbers: '+14155550100',
      });
    } finally {
      vault.deleteSecret('twilio-account-sid');
      vault.deleteSecret('twilio-auth-token');
    }
  });
});
