// End to end: the built app under the local host has no Twilio settings, only KEY_VAULT_URL and the App
// Service managed identity variables. It reads its credentials from the loopback Key Vault through the real
// ManagedIdentityCredential and SecretClient, and sends an SMS through Prism with them. The child process
// resolves the vault's name through the loopbackDns.cjs preload and trusts its certificate through
// NODE_EXTRA_CA_CERTS, as a process would trust a corporate CA.
import { QueueServiceClient } from '@azure/storage-queue';
import { startAzurite, startPrism, type RunningAzurite, type RunningService } from '../../devhost/services';
import { TWILIO_SECRET_NAMES as NAMES } from '../../shared/platform/twilioCredentials';
import { startHost, type RunningHost } from '../../harness/localHost';
import { startTwilioProxy, type TwilioProxy } from '../../harness/twilioProxy';
import { startVaultChain, VAULT_RESOURCE, type VaultChain } from '../../harness/vaultChain';
import { waitFor } from '../../harness/waitFor';

const VALUES = {
  [NAMES.accountSid]: 'ACfedcba9876543210fedcba9876543210',
  [NAMES.authToken]: 'e2e-auth-token-from-the-vault',
  [NAMES.apiKeySid]: 'SKfedcba9876543210fedcba9876543210',
  [NAMES.apiKeySecret]: 'e2e-api-key-secret-from-the-vault',
};
const queueName = 'secrets-outbound';

let azurite: RunningAzurite;
let prism: RunningService;
let twilio: TwilioProxy;
let chain: VaultChain;
let host: RunningHost;

beforeAll(async () => {
  [azurite, prism, chain] = await Promise.all([startAzurite(), startPrism(), startVaultChain()]);
  for (const [name, value] of Object.entries(VALUES)) chain.vault.setSecret(name, value);
  twilio = await startTwilioProxy(prism.url);
  host = await startHost({
    AzureWebJobsStorage: azurite.connectionString,
    OUTBOUND_QUEUE: queueName,
    TWILIO_API_BASE_URL: twilio.url,
    TWILIO_FROM_NUMBER: '+15005550006',
    TWILIO_VALIDATE_SIGNATURES: 'false',
    AZURE_FUNCTIONS_ENVIRONMENT: 'Development',
    ...chain.childEnv(),
  });
});

afterAll(async () => {
  await host?.stop();
  await Promise.all([twilio?.stop(), prism?.stop(), azurite?.stop(), chain?.stop()]);
});

const untilHost = <T>(probe: () => T | undefined) => waitFor(probe, { context: () => `Host output:\n${host.output()}` });

test('the app reads its credentials from Key Vault at start-up, as its managed identity', async () => {
  await untilHost(() => (Object.values(NAMES).every((name) => chain.vault.readsOf(name) === 1) ? true : undefined));
  expect(chain.identity.requests).toEqual([{ apiVersion: '2019-08-01', resource: VAULT_RESOURCE, clientId: chain.clientId, status: 200 }]);
  expect(chain.vault.requests.filter((r) => r.status === 200).every((r) => r.identity === chain.clientId)).toBe(true);
});

test('an enqueued SMS is sent through Twilio with the account SID and API key from the vault, read once', async () => {
  const queue = QueueServiceClient.fromConnectionString(azurite.connectionString).getQueueClient(queueName);
  await queue.createIfNotExists();
  await queue.sendMessage(JSON.stringify({ type: 'sms', to: '+15551234567', body: 'Hello with vault credentials' }));

  const sent = await untilHost(() => twilio.requests.find((r) => r.path.endsWith('/Messages.json')));
  expect(sent.path).toBe(`/2010-04-01/Accounts/${VALUES[NAMES.accountSid]}/Messages.json`);
  const basic = Buffer.from(`${VALUES[NAMES.apiKeySid]}:${VALUES[NAMES.apiKeySecret]}`).toString('base64');
  expect(sent.authorization).toBe(`Basic ${basic}`);
  expect(sent.status).toBe(201);
  // The send used the credentials prefetched at start-up: still one read per secret.
  expect(Object.values(NAMES).map((name) => chain.vault.readsOf(name))).toEqual(Object.values(NAMES).map(() => 1));
});

test('no secret value appears in the host output', async () => {
  await host.waitForOutput(/"event":"outbound".*"outcome":"sent"/); // the app logs after Twilio's answer reached the proxy
  const output = host.output();
  for (const value of Object.values(VALUES)) expect(output).not.toContain(value);
});
