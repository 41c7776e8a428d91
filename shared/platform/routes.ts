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
  twilioAlerts: 'twilio-alerts',
} as const;

export type RouteName = keyof typeof ROUTES;

/** The path of a route without parameters, e.g. `/api/status`. */
export function routePath(route: Exclude<RouteName, 'outboundByKey' | 'audio'>): string {
  return `/${ROUTE_PREFIX}/${ROUTES[route]}`;
}
