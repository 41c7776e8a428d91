// The one Azure credential per process, shared by Key Vault and storage clients.
// In Azure: the user-assigned managed identity directly (DefaultAzureCredential's probing chain costs
// seconds on a cold start). Locally: DefaultAzureCredential, i.e. the developer's az/azd/VS Code login.
import type { TokenCredential } from '@azure/core-auth';
import { settings } from './settings';

let credential: Promise<TokenCredential> | undefined;

async function createCredential(): Promise<TokenCredential> {
  const identity = await import('@azure/identity');
  const { azureClientId: clientId, runningInAzure } = settings();
  if (runningInAzure) return new identity.ManagedIdentityCredential(clientId ? { clientId } : {});
  return new identity.DefaultAzureCredential(clientId ? { managedIdentityClientId: clientId } : {});
}

/** Who azureCredential() authenticates as, in words an operator can act on (error messages name it). */
export function describeAzureIdentity(): string {
  const { azureClientId: clientId, runningInAzure } = settings();
  if (!runningInAzure) return "the developer's login (DefaultAzureCredential: az login, azd auth login or VS Code)";
  return clientId ? `the managed identity with client ID ${clientId} (AZURE_CLIENT_ID)` : "the app's system-assigned managed identity";
}

export function azureCredential(): Promise<TokenCredential> {
  credential ??= createCredential();
  return credential;
}

export function resetAzureCredentialForTests(): void {
  credential = undefined;
}
