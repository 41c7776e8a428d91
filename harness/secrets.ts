// Known, recognisable credential values, so a test can run the app with them and then prove none of them
// appears where it must not: log lines, HTTP responses. Well-formed, so the SDK and the Twilio mock take them.
export const SENTINEL_CREDENTIALS = {
  TWILIO_ACCOUNT_SID: 'ACc0ffee5e1171e1c0ffee5e1171e1c0ff',
  TWILIO_AUTH_TOKEN: 'sentinel-auth-token-5e1171e1',
  TWILIO_API_KEY_SID: 'SKc0ffee5e1171e1c0ffee5e1171e1c0ff',
  TWILIO_API_KEY_SECRET: 'sentinel-api-key-secret-5e1171e1',
} as const;

/**
 * The credentials of the newer ways in, as recognisable: the Azure OpenAI API key the assistant sends, the Webhooks
 * SharedKey secret and the Basic credentials Event Streams sends to /api/event-streams.
 */
export const SENTINEL_SURFACE_SECRETS = {
  AZURE_OPENAI_API_KEY: 'sentinel-azure-openai-key-5e1171e1',
  TWILIO_WEBHOOK_SHARED_KEY: 'sentinel-webhook-shared-key-5e1171e1',
  TWILIO_EVENT_STREAMS_CREDENTIALS: 'twilio-streams:sentinel-streams-password-5e1171e1',
} as const;

/** The surface's secrets as they could leak: as is, URL-encoded, base64, and the Basic header Event Streams sends. */
function surfaceSecretForms(): Array<{ name: string; value: string }> {
  const password = SENTINEL_SURFACE_SECRETS.TWILIO_EVENT_STREAMS_CREDENTIALS.split(':')[1];
  return [
    ...Object.entries(SENTINEL_SURFACE_SECRETS).flatMap(([name, value]) => [
      { name, value },
      ...(encodeURIComponent(value) === value ? [] : [{ name: `${name} (URL-encoded)`, value: encodeURIComponent(value) }]),
      // For the Basic credentials, this is the Authorization header's value.
      { name: `${name} (base64)`, value: Buffer.from(value).toString('base64') },
    ]),
    { name: 'the Event Streams password', value: password },
  ];
}

/**
 * Every form a credential could leak in: as is, URL-encoded, base64, and inside the Basic authorization header the
 * REST client sends (base64 of `user:password`), for both the auth token and the API key.
 */
export function secretForms(credentials: typeof SENTINEL_CREDENTIALS = SENTINEL_CREDENTIALS): Array<{ name: string; value: string }> {
  const { TWILIO_ACCOUNT_SID: sid, TWILIO_AUTH_TOKEN: token, TWILIO_API_KEY_SID: keySid, TWILIO_API_KEY_SECRET: keySecret } = credentials;
  const basic = (user: string, password: string) => Buffer.from(`${user}:${password}`).toString('base64');
  return [
    { name: 'TWILIO_ACCOUNT_SID', value: sid },
    { name: 'TWILIO_AUTH_TOKEN', value: token },
    { name: 'TWILIO_API_KEY_SECRET', value: keySecret },
    { name: 'TWILIO_AUTH_TOKEN (URL-encoded)', value: encodeURIComponent(token) },
    { name: 'TWILIO_API_KEY_SECRET (URL-encoded)', value: encodeURIComponent(keySecret) },
    // As a signing key is often written out (a JWT library's key, a dumped Buffer).
    { name: 'TWILIO_AUTH_TOKEN (base64)', value: Buffer.from(token).toString('base64') },
    { name: 'TWILIO_API_KEY_SECRET (base64)', value: Buffer.from(keySecret).toString('base64') },
    { name: 'Basic auth with the auth token', value: basic(sid, token) },
    { name: 'Basic auth with the API key', value: basic(keySid, keySecret) },
  ];
}

/** The names of the secrets found in `text` (a log, a response body, headers); [] when it is clean. */
export function leakedSecrets(text: string): string[] {
  const lower = text.toLowerCase();
  return [...secretForms(), ...surfaceSecretForms()].filter(({ value }) => lower.includes(value.toLowerCase())).map(({ name }) => name);
}
