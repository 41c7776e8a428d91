// Reads secrets from Azure Key Vault with the app's one Azure credential: one SecretClient per vault per
// process, loaded on first use. Failures become the named errors below; their messages name the vault,
// the secret and the identity, and never carry a secret's value.
import type { RestError } from '@azure/core-rest-pipeline';
import type { SecretClient, SecretClientOptions } from '@azure/keyvault-secrets';
import { azureCredential, describeAzureIdentity } from './azureCredential';
import { asRestError } from './azureErrors';
import { cachedClient } from './clientCache';

interface SecretFailure {
  vaultUrl: string;
  secretName: string;
  cause?: unknown;
}

export class KeyVaultError extends Error {
  override name = 'KeyVaultError';
  readonly vaultUrl: string;
  readonly secretName: string;
  constructor({ vaultUrl, secretName, cause }: SecretFailure, message: string) {
    super(message, { cause });
    this.vaultUrl = vaultUrl;
    this.secretName = secretName;
  }
}

export class SecretNotFoundError extends KeyVaultError {
  override name = 'SecretNotFoundError';
  /** `detail` follows the secret's name in the message, e.g. " (needed because ... is set)". */
  constructor(failure: SecretFailure & { detail?: string }) {
    const { vaultUrl, secretName, detail = '' } = failure;
    super(
      failure,
      `Key Vault ${vaultUrl} has no secret named ${secretName}${detail}. Add it: az keyvault secret set --vault-name ${vaultName(vaultUrl)} --name ${secretName} --file <file holding only the value> --output none`,
    );
  }
}

export class KeyVaultAccessDeniedError extends KeyVaultError {
  override name = 'KeyVaultAccessDeniedError';
  readonly identity: string;
  /** The identity and, when Key Vault gave one, its reason code (e.g. ForbiddenByRbac). */
  constructor(failure: SecretFailure & { identity: string; vaultCode?: string }) {
    const { vaultUrl, secretName, identity, vaultCode } = failure;
    super(
      failure,
      `Key Vault ${vaultUrl} refused ${identity} reading secret ${secretName} (403${vaultCode ? ` ${vaultCode}` : ''}). Grant that identity the Key Vault Secrets User role on the vault.`,
    );
    this.identity = identity;
  }
}

export class KeyVaultUnreachableError extends KeyVaultError {
  override name = 'KeyVaultUnreachableError';
  readonly attempts: number;
  constructor(failure: SecretFailure & { attempts: number; problem: string }) {
    const { vaultUrl, secretName, attempts, problem } = failure;
    super(
      failure,
      `Key Vault ${vaultUrl} could not be reached for secret ${secretName} after ${attempts} attempts (${problem}). Check KEY_VAULT_URL and the app's network path to the vault.`,
    );
    this.attempts = attempts;
  }
}

/** Retries for a vault that cannot be reached or answers 5xx/429: 4 attempts within a few seconds, then fail. */
export interface RetryPolicy {
  attempts: number;
  firstDelayMs: number;
  attemptTimeoutMs: number;
}

const DEFAULT_RETRY: RetryPolicy = { attempts: 4, firstDelayMs: 200, attemptTimeoutMs: 5000 };

interface KeyVaultConfig {
  retry: RetryPolicy;
  /** Extra SecretClient options; only tests set them (e.g. to trust a loopback vault's certificate). */
  clientOptions: SecretClientOptions;
}

let config: KeyVaultConfig = { retry: DEFAULT_RETRY, clientOptions: {} };
const clients = new Map<string, Promise<SecretClient>>();

async function createClient(vaultUrl: string): Promise<SecretClient> {
  const [{ SecretClient }, credential] = await Promise.all([import('@azure/keyvault-secrets'), azureCredential()]);
  // The SDK's own retries are off: readSecret retries with a bound it controls and can report.
  return new SecretClient(vaultUrl, credential, { ...config.clientOptions, retryOptions: { maxRetries: 0 } });
}

function secretClient(vaultUrl: string): Promise<SecretClient> {
  return cachedClient(clients, vaultUrl, () => createClient(vaultUrl));
}

/** Key Vault's error body as the SDK deserializes it ("innererror" on the wire becomes innerError). */
interface KeyVaultErrorBody {
  error?: { innerError?: { code?: string } };
}

/** A failure worth another attempt: no answer at all, a timeout, throttling or a server error. */
function transientProblem(error: unknown, rest: RestError | undefined): string | undefined {
  if ((error as { name?: unknown } | undefined)?.name === 'AbortError') return 'no answer in time';
  if (!rest) return undefined;
  const { statusCode, code } = rest;
  if (statusCode === undefined) return code ?? 'network error';
  if (statusCode === 408 || statusCode === 429 || statusCode >= 500) return `HTTP ${statusCode}`;
  return undefined;
}

function vaultName(vaultUrl: string): string {
  return new URL(vaultUrl).hostname.split('.')[0];
}

export interface ReadSecretOptions {
  /** A missing optional secret reads as undefined instead of failing. */
  optional?: boolean;
}

/** The current value of a secret (surrounding whitespace removed), read from the vault now: no caching here. */
export async function readSecret(vaultUrl: string, secretName: string, options: ReadSecretOptions = {}): Promise<string | undefined> {
  const { retry } = config;
  const client = await secretClient(vaultUrl);
  for (let attempt = 1; ; attempt++) {
    try {
      const secret = await client.getSecret(secretName, { abortSignal: AbortSignal.timeout(retry.attemptTimeoutMs) });
      const value = secret.value?.trim();
      if (!value) throw new SecretNotFoundError({ vaultUrl, secretName, detail: ' with a value (it is empty)' });
      return value;
    } catch (error) {
      if (error instanceof KeyVaultError) throw error;
      const rest = await asRestError(error);
      const statusCode = rest?.statusCode;
      const failure = { vaultUrl, secretName, cause: error };
      if (statusCode === 404) {
        if (options.optional) return undefined;
        throw new SecretNotFoundError(failure);
      }
      if (statusCode === 403) {
        throw new KeyVaultAccessDeniedError({
          ...failure,
          identity: describeAzureIdentity(),
          vaultCode: (rest?.details as KeyVaultErrorBody | undefined)?.error?.innerError?.code,
        });
      }
      const problem = transientProblem(error, rest);
      if (problem === undefined) throw unexpected(failure, statusCode);
      if (attempt >= retry.attempts) throw new KeyVaultUnreachableError({ ...failure, attempts: attempt, problem });
      const backoff = retry.firstDelayMs * 2 ** (attempt - 1);
      await new Promise((resolve) => setTimeout(resolve, backoff * (0.8 + Math.random() * 0.4)));
    }
  }
}

/** Anything else, e.g. the credential could not get a token: the SDK's message (never a secret value) says why. */
function unexpected(failure: SecretFailure, statusCode: number | undefined): KeyVaultError {
  const { vaultUrl, secretName, cause } = failure;
  const name = cause instanceof Error ? cause.name : undefined;
  const reason = cause instanceof Error ? cause.message : String(cause);
  const what = statusCode ? `HTTP ${statusCode}` : (name ?? 'error');
  const asWho = /Credential|Authentication/.test(name ?? '') ? ` as ${describeAzureIdentity()}` : '';
  return new KeyVaultError(failure, `Reading secret ${secretName} from Key Vault ${vaultUrl}${asWho} failed (${what}): ${reason}`);
}

/** Forgets the clients; tests may pass SecretClient options (such as tlsOptions) and a faster retry policy. */
export function resetKeyVaultForTests(options: { clientOptions?: SecretClientOptions; retry?: Partial<RetryPolicy> } = {}): void {
  clients.clear();
  config = { retry: { ...DEFAULT_RETRY, ...options.retry }, clientOptions: options.clientOptions ?? {} };
}
