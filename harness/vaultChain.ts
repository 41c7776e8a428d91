// The Azure side of the credential chain on loopback: a managed identity endpoint, a Key Vault over HTTPS
// under a vault-like host name, and the certificate the vault serves. The vault accepts only tokens the
// identity endpoint issued for the vault's resource, as Entra ID and Key Vault would.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { startKeyVaultFake, type KeyVaultFake } from './keyVaultFake';
import { repoRoot } from './localHost';
import { startManagedIdentityEndpoint, type ManagedIdentityEndpoint } from './managedIdentityEndpoint';
import { createTestCertificate, type TestCertificate } from './testCertificate';

export const VAULT_HOSTNAME = 'twilio-kv.vault.azure.test';
export const VAULT_RESOURCE = 'https://vault.azure.test';
export const LOOPBACK_DNS_PRELOAD = join(repoRoot, 'harness', 'loopbackDns.cjs');

export interface VaultChain {
  vault: KeyVaultFake;
  identity: ManagedIdentityEndpoint;
  certificate: TestCertificate;
  clientId: string;
  /** Environment for a child process running the app against this chain (DNS shim and CA trust included). */
  childEnv(): Record<string, string>;
  stop(): Promise<void>;
}

export async function startVaultChain(): Promise<VaultChain> {
  const clientId = randomUUID();
  const certificate = createTestCertificate([VAULT_HOSTNAME]);
  const identity = await startManagedIdentityEndpoint({ clientId });
  const vault = await startKeyVaultFake({
    hostname: VAULT_HOSTNAME,
    resource: VAULT_RESOURCE,
    tenantId: randomUUID(),
    certificate,
    authorize: (token) => identity.tokenIdentity(token, VAULT_RESOURCE),
  });
  return {
    vault,
    identity,
    certificate,
    clientId,
    childEnv: () => ({
      ...identity.env,
      KEY_VAULT_URL: vault.url,
      AZURE_CLIENT_ID: clientId,
      NODE_EXTRA_CA_CERTS: certificate.certPath,
      NODE_OPTIONS: `--require ${JSON.stringify(LOOPBACK_DNS_PRELOAD)}`,
      LOOPBACK_HOSTS: VAULT_HOSTNAME,
    }),
    async stop() {
      await Promise.all([vault.stop(), identity.stop()]);
      certificate.remove();
    },
  };
}
