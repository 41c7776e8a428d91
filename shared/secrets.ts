// The one place the app gets Twilio credentials. Webhooks need the auth token; REST calls use the API
// key when there is one. This version reads settings; Key Vault support plugs in behind the same calls.
import { settings, SettingsError } from './settings';

export interface TwilioCredentials {
  accountSid: string;
  authToken: string;
  apiKeySid?: string;
  apiKeySecret?: string;
}

function fromSettings(): TwilioCredentials {
  const { accountSid, authToken, apiKeySid, apiKeySecret } = settings().twilio;
  if (!accountSid) throw new SettingsError('TWILIO_ACCOUNT_SID', 'is missing: set it, or set KEY_VAULT_URL to read credentials from Key Vault');
  if (!authToken) throw new SettingsError('TWILIO_AUTH_TOKEN', 'is missing: set it, or set KEY_VAULT_URL to read credentials from Key Vault');
  if (apiKeySid && !apiKeySecret) throw new SettingsError('TWILIO_API_KEY_SECRET', 'is missing while TWILIO_API_KEY_SID is set');
  return { accountSid, authToken, apiKeySid, apiKeySecret: apiKeySid ? apiKeySecret : undefined };
}

export async function twilioCredentials(): Promise<TwilioCredentials> {
  return fromSettings();
}

/** Called after Twilio rejects the cached credentials (rotation); returns what the source holds now. */
export async function refreshTwilioCredentials(): Promise<TwilioCredentials> {
  return fromSettings();
}
