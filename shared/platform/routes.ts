// Every HTTP route the app registers, in one place: the registrations in functions/, the URLs the app hands
// out (callbacks, action URLs, status links) and the contract tests all read these.

/** host.json's extensions.http.routePrefix (the Functions default); test/contract checks host.json agrees. */
export const ROUTE_PREFIX = 'api';

export const ROUTES = {
  voice: 'voice',
  sms: 'sms',
  status: 'status',
  message: 'message',
  forward: 'forward',
  menu: 'menu',
  whisper: 'whisper',
  callme: 'callme',
  simulring: 'simulring',
  findme: 'findme',
  voicemail: 'voicemail',
  conference: 'conference',
  echo: 'echo',
  queue: 'queue',
  audio: 'audio/{name}',
  outbound: 'outbound',
  outboundByKey: 'outbound/{key}',
  recording: 'recordings/{sid}',
  token: 'token',
  clientVoice: 'client-voice',
  phone: 'phone',
  phoneScript: 'phone/softphone.js',
  twilioAlerts: 'twilio-alerts',
  eventStreams: 'event-streams',
  // Batches and the opt-out management API.
  outboundBatch: 'outbound/batch',
  optOuts: 'optouts',
  optOutByAddress: 'optouts/{address}',
  // The console page and its JSON routes (/api/console/messages, ...), one function.
  console: 'console/{*path}',
  assistant: 'assistant',
} as const;

export type RouteName = keyof typeof ROUTES;

/**
 * The routes behind App Service Authentication (Entra sign-in) when it is on: the browser phone and the console. Every other
 * route is excluded from it (infra/app/authentication.bicep): Twilio cannot sign in, and its webhooks are
 * signature-checked instead; the outbound API keeps its function key.
 */
export const SIGNED_IN_ROUTES = ['token', 'phone', 'phoneScript', 'console'] as const satisfies readonly RouteName[];

/** The path of a route without parameters, e.g. `/api/status`. */
export function routePath(route: Exclude<RouteName, 'outboundByKey' | 'optOutByAddress' | 'audio' | 'recording' | 'console'>): string {
  return `/${ROUTE_PREFIX}/${ROUTES[route]}`;
}
