// The azd postprovision hook (scripts/wait-for-roles.mjs), run as azd runs it: a child process with the azd
// environment, the real @azure/identity AzureDeveloperCliCredential (which runs `azd auth token`: here a stand-in
// azd on PATH that prints a token), the real Storage and Key Vault SDKs against loopback HTTPS fakes that refuse
// with 403 until the role "takes effect".
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKeyVaultFake, type KeyVaultFake } from '../../harness/keyVaultFake';
import { createTestCertificate, type TestCertificate } from '../../harness/testCertificate';
import { LOOPBACK_DNS_PRELOAD, VAULT_HOSTNAME, VAULT_RESOURCE } from '../../harness/vaultChain';
import { repoRoot } from './armTemplate';

jest.setTimeout(60_000);

const QUEUE_HOST = 'stexample.queue.storage.test';
const TOKEN = 'azd-issued-token-3f1e';

let certificate: TestCertificate;
let vault: KeyVaultFake;
let queue: Server;
let queueUrl: string;
/** How many more queue reads get 403 before the role "takes effect"; Infinity for never. */
let queueForbiddenFor = 0;
const queueRequests: { authorization?: string; status: number }[] = [];
let fakeAzdDir: string;

beforeAll(async () => {
  certificate = createTestCertificate([VAULT_HOSTNAME, QUEUE_HOST]);
  vault = await startKeyVaultFake({
    hostname: VAULT_HOSTNAME,
    resource: VAULT_RESOURCE,
    tenantId: '00000000-0000-0000-0000-0000000000aa',
    certificate,
    authorize: (token) => (token === TOKEN ? 'deployer' : undefined),
  });
  queue = createServer({ key: certificate.key, cert: certificate.cert }, (req, res) => {
    const authorized = req.headers.authorization === `Bearer ${TOKEN}`;
    const status = !authorized ? 401 : queueForbiddenFor > 0 ? 403 : 200;
    if (status === 403) queueForbiddenFor--;
    queueRequests.push({ authorization: req.headers.authorization, status });
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
  // A stand-in for `azd auth token --output json`, which AzureDeveloperCliCredential runs.
  fakeAzdDir = mkdtempSync(join(tmpdir(), 'fake-azd-'));
  writeFileSync(join(fakeAzdDir, 'azd'), `#!/bin/sh\necho '{"token":"${TOKEN}","expiresOn":"2099-01-01T00:00:00Z"}'\n`);
  chmodSync(join(fakeAzdDir, 'azd'), 0o755);
});

afterAll(async () => {
  await vault.stop();
  await new Promise((resolve) => queue.close(resolve));
  certificate.remove();
  rmSync(fakeAzdDir, { recursive: true, force: true });
});

function runHook(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(repoRoot, 'scripts', 'wait-for-roles.mjs')], {
      cwd: repoRoot,
      env: {
        PATH: `${fakeAzdDir}:${process.env.PATH}`,
        NODE_EXTRA_CA_CERTS: certificate.certPath,
        NODE_OPTIONS: `--require ${JSON.stringify(LOOPBACK_DNS_PRELOAD)}`,
        LOOPBACK_HOSTS: `${VAULT_HOSTNAME},${QUEUE_HOST}`,
        AZURE_PRINCIPAL_ID: '11111111-2222-3333-4444-555555555555',
        AZURE_TENANT_ID: '00000000-0000-0000-0000-0000000000aa',
        AZURE_STORAGE_QUEUE_ENDPOINT: queueUrl,
        OUTBOUND_QUEUE: 'twilio-outbound',
        AZURE_KEY_VAULT_URL: vault.url,
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

test('waits while storage and Key Vault answer 403, and succeeds once both roles are in effect', async () => {
  queueForbiddenFor = 3;
  vault.mode = 'forbidden';
  // The vault's role "takes effect" after it refused twice.
  const refusals = () => vault.requests.filter((r) => r.status === 403).length;
  const flip = setInterval(() => refusals() >= 2 && (vault.mode = 'up'), 20);
  const { code, output } = await runHook({ WAIT_FOR_ROLES_SECONDS: '30' });
  clearInterval(flip);
  expect(output).toMatch(/not yet in effect: Storage Queue Data Contributor on the outbound queue \(403 AuthorizationPermissionMismatch\)/);
  expect(output).toMatch(/Key Vault Secrets Officer on the vault \(403 Forbidden\)/);
  expect(output).toMatch(/role assignments in effect after \d+ s/);
  expect(code).toBe(0);
  expect(queueRequests.filter((r) => r.status === 403)).toHaveLength(3);
  expect(queueRequests.every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
  expect(output).not.toContain(TOKEN);
});

test('gives up after WAIT_FOR_ROLES_SECONDS with a non-zero exit, naming the role and what to do', async () => {
  queueForbiddenFor = Infinity;
  vault.mode = 'up';
  const { code, output } = await runHook({ WAIT_FOR_ROLES_SECONDS: '1' });
  expect(code).toBe(1);
  expect(output).toMatch(
    /after 1 s these role assignments are still not in effect: Storage Queue Data Contributor on the outbound queue \(403 AuthorizationPermissionMismatch\)/,
  );
  expect(output).not.toMatch(/still not in effect:.*Key Vault/);
  expect(output).toMatch(/then run `azd deploy`/);
  queueForbiddenFor = 0;
});

test('stops at once, without waiting, when the azd login itself fails', async () => {
  const brokenAzd = mkdtempSync(join(tmpdir(), 'fake-azd-'));
  writeFileSync(join(brokenAzd, 'azd'), "#!/bin/sh\necho 'ERROR: not logged in, run `azd auth login` to login' >&2\nexit 1\n");
  chmodSync(join(brokenAzd, 'azd'), 0o755);
  const started = Date.now();
  const { code, output } = await runHook({ PATH: `${brokenAzd}:${process.env.PATH}`, WAIT_FOR_ROLES_SECONDS: '30' });
  rmSync(brokenAzd, { recursive: true, force: true });
  expect(code).toBe(1);
  expect(output).toMatch(/Please run 'azd auth login'/);
  expect(Date.now() - started).toBeLessThan(15_000);
});

test('is skipped when there is no principalId, and with private networking', async () => {
  const before = queueRequests.length;
  const noUser = await runHook({ AZURE_PRINCIPAL_ID: '' });
  expect(noUser).toMatchObject({ code: 0 });
  expect(noUser.output).toMatch(/skipped: no principalId/);
  const privateNet = await runHook({ AZURE_PRIVATE_NETWORKING: 'true' });
  expect(privateNet).toMatchObject({ code: 0 });
  expect(privateNet.output).toMatch(/skipped: with privateNetworking/);
  expect(queueRequests.length).toBe(before);
});
