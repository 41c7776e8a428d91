// The deployed app settings against shared/platform/settings.ts, the one list of what the app reads.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkTwilioConcurrency, parseHostConfig, withHostOverrides } from '../../shared/platform/hostJson';
import { parseSettings, SETTINGS, type SettingName, type SettingSpec } from '../../shared/platform/settings';
import { ArmEvaluator, UnsupportedExpression } from './armExpression';
import { loadMainTemplate, moduleCreating, onlyResource, repoRoot, resolve, rootParameter, siteConfig } from './armTemplate';

const template = loadMainTemplate();
const placed = siteConfig(template, 'appsettings');
const resolved = resolve(placed.deployment, placed.resource.properties);
const appSettings = resolved.value as Record<string, unknown>;
const settingsDeployment = resolved.deployment;

const specs = Object.entries(SETTINGS) as [SettingName, SettingSpec][];
const deployed = specs.filter(([, spec]) => spec.deployed).map(([name]) => name);

// Settings the Functions host and platform read, not the app. They are no entry in SETTINGS. The host's own
// overrides of host.json (AzureFunctionsJobHost__<path>) carry the outbound queue's share of Twilio concurrency.
const PLATFORM =
  /^(AzureWebJobsStorage__(credential|clientId|blobServiceUri|queueServiceUri|tableServiceUri)|APPLICATIONINSIGHTS_(CONNECTION_STRING|AUTHENTICATION_STRING)|AzureFunctionsJobHost__extensions__queues__(batchSize|newBatchThreshold))$/;

const identityModule = moduleCreating(template, 'Microsoft.ManagedIdentity/userAssignedIdentities');
const storageModule = moduleCreating(template, 'Microsoft.Storage/storageAccounts');
const vaultModule = moduleCreating(template, 'Microsoft.KeyVault/vaults');
const identityClientId = `[reference('${identityModule}').outputs.clientId.value]`;

test('the settings are one literal object, so every name can be checked here', () => {
  expect(placed.resource.name).toContain("'appsettings'");
  expect(typeof appSettings).toBe('object');
  expect(Object.keys(appSettings).length).toBeGreaterThan(0);
});

test.each(deployed)('sets %s, which shared/platform/settings.ts says infra deploys', (name) => {
  // An identity-based connection is set as <name>__<property> settings instead of a connection string.
  const set = Object.keys(appSettings).filter((key) => key === name || key.startsWith(`${name}__`));
  expect(set).not.toEqual([]);
});

test("sets nothing the app does not read, apart from the host's own storage and telemetry settings", () => {
  const unknown = Object.keys(appSettings).filter((key) => !PLATFORM.test(key) && !deployed.includes(key as SettingName));
  expect(unknown).toEqual([]);
});

test('never makes a Twilio credential or another local-only setting an app setting', () => {
  const localOnly = specs.filter(([, spec]) => !spec.deployed).map(([name]) => name);
  expect(Object.keys(appSettings).filter((key) => localOnly.includes(key as SettingName))).toEqual([]);
  const secureParameters = Object.entries(template.parameters ?? {})
    .filter(([, p]) => p.type.startsWith('secure'))
    .map(([name]) => name);
  const everything = JSON.stringify(appSettings);
  for (const secure of secureParameters) expect(everything).not.toContain(`parameters('${secure}')`);
});

test('the host reaches storage through the managed identity, with no connection string or key', () => {
  expect(appSettings).not.toHaveProperty('AzureWebJobsStorage');
  expect(appSettings).toMatchObject({
    AzureWebJobsStorage__credential: 'managedidentity',
    AzureWebJobsStorage__clientId: identityClientId,
    AzureWebJobsStorage__blobServiceUri: `[reference('${storageModule}').outputs.blobEndpoint.value]`,
    AzureWebJobsStorage__queueServiceUri: `[reference('${storageModule}').outputs.queueEndpoint.value]`,
    AzureWebJobsStorage__tableServiceUri: `[reference('${storageModule}').outputs.tableEndpoint.value]`,
  });
});

test('AZURE_CLIENT_ID is the user-assigned identity, which also authenticates telemetry to Application Insights', () => {
  expect(appSettings.AZURE_CLIENT_ID).toBe(identityClientId);
  expect(appSettings.APPLICATIONINSIGHTS_AUTHENTICATION_STRING).toBe(
    `[format('ClientId={0};Authorization=AAD', ${identityClientId.slice(1, -1)})]`,
  );
  expect(appSettings.APPLICATIONINSIGHTS_CONNECTION_STRING).toMatch(/^\[reference\('[^']+'\)\.outputs\.[A-Za-z]+\.value\]$/);
});

test('KEY_VAULT_URL is the URI of the vault that holds the secrets', () => {
  expect(appSettings.KEY_VAULT_URL).toBe(`[reference('${vaultModule}').outputs.uri.value]`);
  const vault = onlyResource(template, 'Microsoft.KeyVault/vaults');
  expect(vault.deployment.template.outputs?.uri?.value).toMatch(
    /^\[reference\(resourceId\('Microsoft\.KeyVault\/vaults', parameters\('name'\)\), '[0-9-]+'\)\.vaultUri\]$/,
  );
});

test('a setting taken from a parameter gets the same default in Bicep as in shared/platform/settings.ts', () => {
  const compared: string[] = [];
  for (const [name, spec] of specs) {
    const root = rootParameter(settingsDeployment, appSettings[name]);
    if (!root) continue;
    compared.push(name);
    expect({ name, default: String(root.definition.defaultValue) }).toEqual({ name, default: spec.default ?? '' });
  }
  expect(compared).toEqual(
    expect.arrayContaining(['OUTBOUND_QUEUE', 'OUTBOUND_LEDGER', 'OPTOUT_TABLE', 'SECRETS_CACHE_TTL_SECONDS', 'VOICE_MODE']),
  );
});

// Values Azure fills in at deployment time get realistic stand-ins; everything else comes from the template.
const standIns: Record<string, string> = {
  AzureWebJobsStorage__blobServiceUri: 'https://stexample.blob.core.windows.net/',
  AzureWebJobsStorage__queueServiceUri: 'https://stexample.queue.core.windows.net/',
  AzureWebJobsStorage__tableServiceUri: 'https://stexample.table.core.windows.net/',
  KEY_VAULT_URL: 'https://kv-example.vault.azure.net/',
  WEBHOOK_BASE_URL: 'https://func-example.azurewebsites.net',
};

/** The app settings a deployment with the template defaults sets; what only Azure knows gets a stand-in. */
function deployedEnv(): Record<string, string> {
  const arm = new ArmEvaluator(template);
  const env: Record<string, string> = {};
  // appSettings holds root-level expressions: main.bicep passes the object to the settings module.
  for (const [name, value] of Object.entries(appSettings)) {
    try {
      env[name] = String(arm.value(value));
    } catch (error) {
      if (!(error instanceof UnsupportedExpression)) throw error;
      env[name] = standIns[name] ?? '00000000-0000-0000-0000-000000000000';
    }
  }
  return env;
}

test("with the template defaults, the outbound function's concurrency check passes on the deployed queue settings", () => {
  const env = deployedEnv();
  const hostJson = withHostOverrides(JSON.parse(readFileSync(join(repoRoot, 'host.json'), 'utf8')) as Record<string, unknown>, env);
  const concurrency = parseHostConfig(hostJson, 4).queues;
  expect(concurrency).toMatchObject({ batchSize: 1, newBatchThreshold: 1 });
  const parsed = parseSettings(env);
  expect(parsed).toMatchObject({ twilioMaxConcurrency: 80, outboundMaxInstances: 40 });
  expect(() => checkTwilioConcurrency(parsed, concurrency)).not.toThrow();
  // Without the overrides, host.json's local values would let 40 instances run 40 x 24 sends at once.
  const withoutOverrides = parseHostConfig(
    JSON.parse(readFileSync(join(repoRoot, 'host.json'), 'utf8')) as Record<string, unknown>,
    4,
  ).queues;
  expect(() => checkTwilioConcurrency(parsed, withoutOverrides)).toThrow(/TWILIO_MAX_CONCURRENCY is 80, but 40 outbound instances/);
});

test('with the template defaults, the app parses the deployed settings without error', () => {
  const env = deployedEnv();
  const parsed = parseSettings(env);
  expect(parsed.storage).toMatchObject({ kind: 'identity', queueServiceUri: standIns.AzureWebJobsStorage__queueServiceUri });
  expect(parsed.keyVaultUrl).toBe('https://kv-example.vault.azure.net');
  expect(parsed.outboundQueue).toBe(SETTINGS.OUTBOUND_QUEUE.default);
  expect(parsed.validateSignatures).toBe(true);
  expect(parsed.twilio.authToken).toBeUndefined();
});
