// App Service Authentication for the browser phone (infra/app/authentication.bicep): on only with an Entra app
// registration's client ID, and never in front of a Twilio webhook, since Twilio cannot sign in.
import { ROUTE_PREFIX, ROUTES, SIGNED_IN_ROUTES, type RouteName } from '../../shared/platform/routes';
import { loadMainTemplate, resolve, siteConfig, type ArmTemplate } from './armTemplate';

const template = loadMainTemplate();
const auth = siteConfig(template, 'authsettingsV2');
const properties = auth.resource.properties!;
const moduleResource = (template.resources as unknown as Record<string, { condition?: string }>)[auth.deployment.symbol];

/** A module parameter's value as main.bicep passes it, with a variables('x') reference looked up. */
function passed(name: string): unknown {
  const value = resolve(auth.deployment, `[parameters('${name}')]`).value;
  const variable = typeof value === 'string' ? /^\[variables\('([^']+)'\)\]$/.exec(value)?.[1] : undefined;
  return variable ? (template as ArmTemplate & { variables: Record<string, unknown> }).variables[variable] : value;
}

/** The path App Service sees for a route; a route parameter becomes the excludedPaths wildcard. */
const pathOf = (route: RouteName) => `/${ROUTE_PREFIX}/${ROUTES[route].replace(/\{[^}]+\}/g, '*')}`;

test('is deployed only when entraClientId, empty by default, names an app registration', () => {
  expect(template.parameters?.entraClientId).toMatchObject({ type: 'string', defaultValue: '' });
  expect(moduleResource.condition).toBe("[not(empty(parameters('entraClientId')))]");
  expect(passed('clientId')).toBe("[parameters('entraClientId')]");
});

test('turns the platform authentication on with Entra ID, signing users in without a client secret', () => {
  expect(properties.platform).toEqual({ enabled: true });
  expect(properties.globalValidation).toMatchObject({
    requireAuthentication: true,
    unauthenticatedClientAction: 'RedirectToLoginPage',
    redirectToProvider: 'azureactivedirectory',
  });
  const aad = properties.identityProviders.azureActiveDirectory;
  expect(aad.enabled).toBe(true);
  expect(aad.registration.clientId).toBe("[parameters('clientId')]");
  expect(aad.registration).not.toHaveProperty('clientSecretSettingName');
  expect(aad.registration.openIdIssuer).toContain('tenant().tenantId');
  expect(Object.keys(properties.identityProviders)).toEqual(['azureActiveDirectory']);
});

test('excludes every route but the browser phone: each Twilio webhook and the function-key outbound API stay anonymous', () => {
  const excluded = passed('excludedPaths') as string[];
  const anonymous = (Object.keys(ROUTES) as RouteName[]).filter((route) => !(SIGNED_IN_ROUTES as readonly string[]).includes(route));
  expect([...excluded].sort()).toEqual(anonymous.map(pathOf).sort());
  for (const webhook of ['voice', 'sms', 'status', 'clientVoice', 'forward', 'voicemail'] as const)
    expect(excluded).toContain(pathOf(webhook));
});

test('keeps the page, its script and the token endpoint behind sign-in', () => {
  const excluded = passed('excludedPaths') as string[];
  for (const route of SIGNED_IN_ROUTES) {
    const path = pathOf(route);
    expect(excluded.filter((pattern) => pattern === path || (pattern.endsWith('/*') && path.startsWith(pattern.slice(0, -1))))).toEqual([]);
  }
});
