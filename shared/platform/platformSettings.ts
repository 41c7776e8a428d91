// The platform's own settings: storage, Key Vault, the app's identity and the environment it runs in.
import { SettingsError } from './declareSettings';
import { declareSettings } from './declareSettings';
import { fetchedUrl, positiveInt, text } from './settingParsers';

export type StorageConnection =
  | { kind: 'connectionString'; connectionString: string }
  | { kind: 'identity'; queueServiceUri: string; tableServiceUri: string; blobServiceUri: string };

export const platformSettings = declareSettings(
  'Platform',
  'shared/platform/platformSettings.ts',
  {
    AzureWebJobsStorage: {
      description:
        'Storage for the host, queues and tables. Locally `UseDevelopmentStorage=true`; in Azure identity-based (AzureWebJobsStorage__*).',
      deployed: true,
      parser: text,
    },
    KEY_VAULT_URL: {
      description: 'Key Vault holding the Twilio credentials. Unset: the TWILIO_* credential settings are used.',
      deployed: true,
      parser: fetchedUrl,
    },
    AZURE_CLIENT_ID: {
      description: 'Client ID of the user-assigned managed identity used for Key Vault and storage in Azure.',
      deployed: true,
      parser: text,
    },
    SECRETS_CACHE_TTL_SECONDS: {
      description: 'How long Twilio credentials read from Key Vault are cached per instance.',
      default: '300',
      deployed: true,
      parser: positiveInt,
    },
    AZURE_FUNCTIONS_ENVIRONMENT: {
      description: 'Set by the Functions host; `Development` when running locally.',
      deployed: false,
      parser: text,
    },
    IDENTITY_ENDPOINT: {
      description: 'Set by the platform in Azure: the managed identity endpoint, used directly instead of probing for credentials.',
      deployed: false,
      parser: text,
    },
    IDENTITY_HEADER: {
      description: 'Set by the platform in Azure with IDENTITY_ENDPOINT (never logged).',
      deployed: false,
      parser: text,
    },
  },
  (values, { env }) => ({
    storage: storageConnection(values.AzureWebJobsStorage, env),
    keyVaultUrl: values.KEY_VAULT_URL,
    azureClientId: values.AZURE_CLIENT_ID,
    /** Inside App Service / Functions, where the platform's managed identity endpoint exists. */
    runningInAzure: Boolean(values.IDENTITY_ENDPOINT && values.IDENTITY_HEADER),
    secretsCacheTtlMs: values.SECRETS_CACHE_TTL_SECONDS * 1000,
  }),
);

function storageConnection(connectionString: string | undefined, env: Readonly<Record<string, string | undefined>>): StorageConnection {
  if (connectionString) return { kind: 'connectionString', connectionString };
  const queueServiceUri = env.AzureWebJobsStorage__queueServiceUri?.trim();
  const tableServiceUri = env.AzureWebJobsStorage__tableServiceUri?.trim();
  const accountName = env.AzureWebJobsStorage__accountName?.trim();
  if (queueServiceUri && tableServiceUri) {
    const blobServiceUri = env.AzureWebJobsStorage__blobServiceUri?.trim() || queueServiceUri.replace('.queue.', '.blob.');
    return { kind: 'identity', queueServiceUri, tableServiceUri, blobServiceUri };
  }
  if (accountName) {
    return {
      kind: 'identity',
      queueServiceUri: `https://${accountName}.queue.core.windows.net`,
      tableServiceUri: `https://${accountName}.table.core.windows.net`,
      blobServiceUri: `https://${accountName}.blob.core.windows.net`,
    };
  }
  throw new SettingsError(
    'AzureWebJobsStorage',
    'is missing: set a connection string (UseDevelopmentStorage=true locally) or AzureWebJobsStorage__queueServiceUri and __tableServiceUri',
  );
}
