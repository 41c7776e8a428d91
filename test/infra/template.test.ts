// What infra/main.json (compiled from infra/main.bicep by scripts/bicep.mjs) provisions, and how it is locked down.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createdResources,
  deployments,
  loadMainTemplate,
  moduleCreating,
  onlyResource,
  repoRoot,
  resolve,
  rootParameter,
  siteConfig,
} from './armTemplate';
import { evaluatorFor } from './armExpression';
import { SETTINGS, type SettingName, type SettingSpec } from '../../shared/platform/settings';
import { tableName } from '../../shared/platform/settingParsers';

const template = loadMainTemplate();

describe('azd conventions', () => {
  test('deploys at subscription scope with the parameters environmentName, location and principalId', () => {
    expect(template.$schema).toContain('subscriptionDeploymentTemplate.json');
    expect(template.parameters?.environmentName?.type).toBe('string');
    expect(template.parameters?.location?.type).toBe('string');
    expect(template.parameters?.principalId).toMatchObject({ type: 'string', defaultValue: '' });
  });

  test('main.parameters.json fills them from AZURE_ENV_NAME, AZURE_LOCATION and AZURE_PRINCIPAL_ID', () => {
    const file = JSON.parse(readFileSync(join(repoRoot, 'infra', 'main.parameters.json'), 'utf8')) as {
      parameters: Record<string, { value: string }>;
    };
    expect(file.parameters.environmentName?.value).toBe('${AZURE_ENV_NAME}');
    expect(file.parameters.location?.value).toBe('${AZURE_LOCATION}');
    expect(file.parameters.principalId?.value).toBe('${AZURE_PRINCIPAL_ID}');
  });

  test('main.parameters.json names only real parameters, never a secure one, and none that an unset variable (empty) would break', () => {
    // azd substitutes an empty string for an unset variable, and keeps the values in .azure/<env>/.env in plain text.
    const file = JSON.parse(readFileSync(join(repoRoot, 'infra', 'main.parameters.json'), 'utf8')) as {
      parameters: Record<string, unknown>;
    };
    const azdRequired = new Set(['environmentName', 'location']);
    for (const name of Object.keys(file.parameters)) {
      const definition = template.parameters?.[name];
      expect({ name, defined: definition !== undefined }).toEqual({ name, defined: true });
      expect({ name, type: definition!.type }).toEqual({ name, type: 'string' });
      if (azdRequired.has(name)) continue;
      expect({ name, minLength: definition!.minLength ?? 0 }).toEqual({ name, minLength: 0 });
      if (definition!.allowedValues) expect(definition!.allowedValues).toContain('');
    }
  });

  test('the Function App carries the azd-service-name tag of the one service in azure.yaml', () => {
    const yaml = readFileSync(join(repoRoot, 'azure.yaml'), 'utf8');
    expect(yaml).toMatch(/^services:\n {2}api:\n(?: {4}.*\n)*? {4}language: ts\n/m);
    expect(yaml).toMatch(/^ {4}host: function$/m);
    const site = onlyResource(template, 'Microsoft.Web/sites');
    expect(site.resource.tags).toContain("'azd-service-name', parameters('serviceName')");
    expect(resolve(site.deployment, "[parameters('serviceName')]").value).toBe('api');
  });
});

describe('the Function App', () => {
  const site = onlyResource(template, 'Microsoft.Web/sites');
  const config = site.resource.properties!.functionAppConfig;

  test('runs on a Linux Flex Consumption (FC1) plan', () => {
    const plan = onlyResource(template, 'Microsoft.Web/serverfarms').resource;
    expect(plan.sku).toEqual({ name: 'FC1', tier: 'FlexConsumption' });
    expect(plan.properties?.reserved).toBe(true);
    expect(site.resource.kind).toBe('functionapp,linux');
  });

  test('runs Node.js 22 unless the nodeVersion parameter says 24', () => {
    expect(config.runtime.name).toBe('node');
    expect(rootParameter(site.deployment, config.runtime.version)?.name).toBe('nodeVersion');
    expect(template.parameters?.nodeVersion?.defaultValue).toBe('22');
    expect(template.parameters?.nodeVersion?.allowedValues).toEqual(['22', '24']);
  });

  test('takes its maximum instance count and instance memory from parameters', () => {
    expect(rootParameter(site.deployment, config.scaleAndConcurrency.maximumInstanceCount)?.name).toBe('maximumInstanceCount');
    expect(rootParameter(site.deployment, config.scaleAndConcurrency.instanceMemoryMB)?.name).toBe('instanceMemoryMB');
    expect(template.parameters?.instanceMemoryMB?.allowedValues).toEqual([512, 2048, 4096]);
  });

  test('reads its deployment package from a private blob container through the user-assigned identity', () => {
    const storage = config.deployment.storage;
    expect(storage.type).toBe('blobContainer');
    expect(storage.authentication.type).toBe('UserAssignedIdentity');
    expect(resolve(site.deployment, storage.authentication.userAssignedIdentityResourceId).value).toBe(
      `[reference('${moduleCreating(template, 'Microsoft.ManagedIdentity/userAssignedIdentities')}').outputs.id.value]`,
    );
    const storageModule = moduleCreating(template, 'Microsoft.Storage/storageAccounts');
    expect(resolve(site.deployment, storage.value).value).toBe(`[reference('${storageModule}').outputs.deploymentContainerUrl.value]`);
    const containers = createdResources(template, 'Microsoft.Storage/storageAccounts/blobServices/containers');
    expect(containers.length).toBeGreaterThan(0);
    for (const container of containers) expect(container.resource.properties?.publicAccess).toBe('None');
  });

  test('creates the private audio container AUDIO_CONTAINER names', () => {
    const containers = createdResources(template, 'Microsoft.Storage/storageAccounts/blobServices/containers');
    expect(containers.map((c) => c.resource.name).some((name) => name.includes("parameters('containerNames')[copyIndex()]"))).toBe(true);
    const account = onlyResource(template, 'Microsoft.Storage/storageAccounts');
    expect(account.deployment.passed.containerNames).toContain("[parameters('audioContainerName')]");
  });

  test('answers HTTPS only, with TLS 1.2 at least', () => {
    const properties = site.resource.properties!;
    expect(properties.httpsOnly).toBe(true);
    expect(properties.siteConfig.minTlsVersion).toBe('1.2');
    expect(properties.siteConfig.scmMinTlsVersion).toBe('1.2');
  });

  test('refuses publishing with basic (FTP and SCM) credentials', () => {
    const policies = createdResources(template, 'Microsoft.Web/sites/basicPublishingCredentialsPolicies');
    expect(policies.map((p) => p.resource.name).sort()).toEqual([
      "[format('{0}/{1}', parameters('name'), 'ftp')]",
      "[format('{0}/{1}', parameters('name'), 'scm')]",
    ]);
    for (const policy of policies) expect(policy.resource.properties?.allow).toBe(false);
  });

  test('runs as exactly one identity, the user-assigned one', () => {
    expect(site.resource.identity?.type).toBe('UserAssigned');
    const identities = Object.keys(site.resource.identity?.userAssignedIdentities ?? {});
    expect(identities).toEqual(["[format('{0}', parameters('identityId'))]"]);
    const identityModule = moduleCreating(template, 'Microsoft.ManagedIdentity/userAssignedIdentities');
    expect(resolve(site.deployment, "[parameters('identityId')]").value).toBe(`[reference('${identityModule}').outputs.id.value]`);
    expect(createdResources(template, 'Microsoft.ManagedIdentity/userAssignedIdentities')).toHaveLength(1);
  });
});

describe('storage', () => {
  const account = onlyResource(template, 'Microsoft.Storage/storageAccounts');

  test('refuses shared keys and anonymous blob access, and requires HTTPS with TLS 1.2', () => {
    expect(account.resource.properties).toMatchObject({
      allowSharedKeyAccess: false,
      allowBlobPublicAccess: false,
      minimumTlsVersion: 'TLS1_2',
      supportsHttpsTrafficOnly: true,
    });
  });

  test('creates the outbound queue and its poison queue, both named from the outboundQueueName parameter, and the events queue unless it is empty', () => {
    const queues = onlyResource(template, 'Microsoft.Storage/storageAccounts/queueServices/queues');
    expect(queues.resource.name).toContain("parameters('queueNames')[copyIndex()]");
    expect(account.deployment.passed.queueNames).toBe(
      "[concat(createArray(parameters('outboundQueueName'), format('{0}-poison', parameters('outboundQueueName')), parameters('recordingsQueueName'), format('{0}-poison', parameters('recordingsQueueName'))), if(empty(parameters('eventsQueueName')), createArray(), createArray(parameters('eventsQueueName'))))]",
    );
  });

  test('creates the private container EVENT_STREAMS_OVERSIZED_CONTAINER names, and sets the setting to it', () => {
    expect(account.deployment.passed.containerNames).toContain("[parameters('eventStreamsOversizedContainerName')]");
    expect(template.parameters?.eventStreamsOversizedContainerName?.defaultValue).toBe('eventstreams-oversized');
  });

  test('creates the voicemail recordings queue and its private container, which the app identity reaches as Blob Data Owner', () => {
    expect(account.deployment.passed.containerNames).toContain("[parameters('recordingsContainerName')]");
    const appContainers = createdResources(template, 'Microsoft.Storage/storageAccounts/blobServices/containers').filter((c) =>
      String(c.resource.name).includes("parameters('containerNames')"),
    );
    expect(appContainers).toHaveLength(1);
    expect(appContainers[0].resource.properties?.publicAccess).toBe('None');
    expect(template.parameters?.recordingsQueueName?.maxLength).toBe(63 - '-poison'.length);
  });

  test('creates every table the app writes from its parameter: ledger, opt-outs, auto-replies, assistant, Event Streams ids, and activity unless it is off', () => {
    const tables = onlyResource(template, 'Microsoft.Storage/storageAccounts/tableServices/tables');
    expect(tables.resource.name).toContain("parameters('tableNames')[copyIndex()]");
    expect(account.deployment.passed.tableNames).toBe(
      "[concat(createArray(parameters('outboundLedgerTableName'), parameters('optOutTableName'), parameters('autoReplyTableName'), parameters('assistantTableName'), parameters('eventStreamsTableName')), if(empty(parameters('activityTableName')), createArray(), createArray(parameters('activityTableName'))))]",
    );
  });

  test('every table-name setting the app declares is one of the tables the deployment creates, by the same parameter', () => {
    const placed = siteConfig(template, 'appsettings');
    const appSettings = resolve(placed.deployment, placed.resource.properties).value as Record<string, unknown>;
    const tableSettings = (Object.entries(SETTINGS) as Array<[SettingName, SettingSpec]>)
      .filter(([, spec]) => spec.format === tableName.format)
      .map(([name]) => name);
    expect(tableSettings.length).toBeGreaterThanOrEqual(6);
    const passed = String(account.deployment.passed.tableNames);
    for (const name of tableSettings) {
      const setting = String(appSettings[name] ?? '');
      expect([name, setting]).toEqual([name, expect.stringMatching(/^\[parameters\('\w+TableName'\)\]$/) as string]);
      expect(passed).toContain(setting.slice(1, -1));
    }
  });

  test('leaves room in the queue name for the -poison suffix (queue names are at most 63 characters)', () => {
    expect(template.parameters?.outboundQueueName?.maxLength).toBe(63 - '-poison'.length);
  });
});

describe('Key Vault', () => {
  const vault = onlyResource(template, 'Microsoft.KeyVault/vaults');

  test('authorizes with Azure RBAC and keeps deleted secrets recoverable', () => {
    expect(vault.resource.properties).toMatchObject({ enableRbacAuthorization: true, enableSoftDelete: true });
    expect(vault.resource.properties?.accessPolicies ?? []).toEqual([]);
  });

  // With purge protection and 90 days, `azd down` then `azd up` in the same environment failed for 90 days: the name
  // stays taken and `azd down --purge` skips purge-protected vaults. By default (non-production) the vault can be
  // purged by `azd down` and is kept 7 days otherwise; production turns purge protection on, and it is never sent
  // as false, which a vault that has it would refuse.
  test('survives azd down and up: 7 days and purgeable by default, purge protection for production', () => {
    const evaluated = (parameters: Record<string, unknown>) => {
      const evaluator = evaluatorFor(vault.deployment, { environmentName: 'dev', location: 'eastus', ...parameters });
      return evaluator.instances(vault.resource, (r) => ({
        retention: r.properties.softDeleteRetentionInDays,
        purgeProtection: r.properties.enablePurgeProtection,
      }))[0];
    };
    expect(template.parameters?.keyVaultSoftDeleteRetentionInDays).toMatchObject({ defaultValue: 7, minValue: 7, maxValue: 90 });
    expect(evaluated({})).toEqual({ retention: 7, purgeProtection: null });
    expect(evaluated({ keyVaultPurgeProtection: true, keyVaultSoftDeleteRetentionInDays: 90 })).toEqual({
      retention: 90,
      purgeProtection: true,
    });
  });

  test('creates each Twilio secret only when its secure parameter is given', () => {
    const expected: Record<string, string> = {
      'twilio-account-sid': 'twilioAccountSid',
      'twilio-auth-token': 'twilioAuthToken',
      'twilio-api-key-sid': 'twilioApiKeySid',
      'twilio-api-key-secret': 'twilioApiKeySecret',
    };
    const secrets = createdResources(template, 'Microsoft.KeyVault/vaults/secrets');
    expect(secrets).toHaveLength(Object.keys(expected).length);
    for (const { resource, deployment } of secrets) {
      const secretName = /'([a-z-]+)'\)\]$/.exec(resource.name)?.[1] ?? resource.name;
      const valueParameter = /^\[parameters\('([^']+)'\)\]$/.exec(resource.properties?.value)?.[1];
      expect({ secretName, condition: resource.condition }).toEqual({
        secretName,
        condition: `[not(empty(parameters('${valueParameter}')))]`,
      });
      expect(deployment.template.parameters?.[valueParameter!]?.type).toBe('securestring');
      const root = rootParameter(deployment, resource.properties?.value);
      expect({ secretName, parameter: root?.name, type: root?.definition.type, defaultValue: root?.definition.defaultValue }).toEqual({
        secretName,
        parameter: expected[secretName],
        type: 'securestring',
        defaultValue: '',
      });
    }
  });
});

describe('location', () => {
  const allowed = (template.parameters?.location?.allowedValues ?? []) as string[];

  test('is one of the regions that offer Flex Consumption, so no other region fails at plan creation', () => {
    expect(allowed.length).toBeGreaterThan(20);
    for (const region of ['eastus', 'westeurope', 'swedencentral', 'australiaeast']) expect(allowed).toContain(region);
    // Regions without Flex Consumption, and the canary region ordinary subscriptions cannot deploy to.
    for (const region of ['westindia', 'qatarcentral', 'eastus2euap']) expect(allowed).not.toContain(region);
    for (const region of allowed) expect(region).toMatch(/^[a-z0-9]+$/);
  });

  test("names the list's source and date beside it", () => {
    const bicep = readFileSync(join(repoRoot, 'infra', 'main.bicep'), 'utf8');
    const comment = bicep.slice(0, bicep.indexOf('param location string'));
    expect(comment).toMatch(/Azure-Samples\/functions-quickstart-dotnet-azd, infra\/main\.bicep, \d{4}-\d{2}-\d{2}/);
    expect(comment).toContain('az functionapp list-flexconsumption-locations');
  });
});

describe('monitoring', () => {
  test('the workspace takes an optional daily cap; none by default', () => {
    const workspace = onlyResource(template, 'Microsoft.OperationalInsights/workspaces');
    const cap = (logDailyCapGb?: string) =>
      evaluatorFor(workspace.deployment, {
        environmentName: 'dev',
        location: 'eastus',
        ...(logDailyCapGb === undefined ? {} : { logDailyCapGb }),
      }).instances(workspace.resource, (r) => r.properties.workspaceCapping.dailyQuotaGb)[0];
    expect(cap()).toBe(-1);
    expect(cap('0.5')).toBe(0.5);
    expect(cap('2')).toBe(2);
  });

  test('Application Insights and Log Analytics accept Entra ID authentication only', () => {
    const insights = onlyResource(template, 'Microsoft.Insights/components').resource;
    expect(insights.properties?.DisableLocalAuth).toBe(true);
    expect(insights.properties?.WorkspaceResourceId).toContain('Microsoft.OperationalInsights/workspaces');
    const workspace = onlyResource(template, 'Microsoft.OperationalInsights/workspaces').resource;
    expect(workspace.properties?.features?.disableLocalAuth).toBe(true);
  });
});

describe('role assignments', () => {
  const ROLES = {
    storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
    storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe',
    storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88',
    storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
    storageTableDataReader: '76199698-9eea-4c19-bc75-cec21354c6b6',
    keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6',
    keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7',
    monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb',
    eventGridDataSender: 'd5a91429-5739-47e2-a06b-3470a27159e7',
    cognitiveServicesOpenAiUser: '5e0bd9bd-7b93-4f28-af87-19fc36ad61bd',
  };
  const STORAGE = 'Microsoft.Storage/storageAccounts';
  const VAULT = 'Microsoft.KeyVault/vaults';
  const INSIGHTS = 'Microsoft.Insights/components';
  const CONTAINER = 'Microsoft.Storage/storageAccounts/blobServices/containers';

  const identityModule = moduleCreating(template, 'Microsoft.ManagedIdentity/userAssignedIdentities');
  const APP = `[reference('${identityModule}').outputs.principalId.value]`;
  const USER = "[parameters('principalId')]";

  // The whole list: an extra or broader role fails this test as surely as a missing one.
  const expected = [
    { who: APP, role: ROLES.storageBlobDataOwner, on: STORAGE },
    { who: APP, role: ROLES.storageQueueDataContributor, on: STORAGE },
    { who: APP, role: ROLES.storageTableDataContributor, on: STORAGE },
    { who: APP, role: ROLES.keyVaultSecretsUser, on: VAULT },
    { who: APP, role: ROLES.monitoringMetricsPublisher, on: INSIGHTS },
    { who: APP, role: ROLES.eventGridDataSender, on: 'Microsoft.EventGrid/topics' },
    { who: APP, role: ROLES.cognitiveServicesOpenAiUser, on: 'Microsoft.CognitiveServices/accounts' },
    { who: USER, role: ROLES.storageQueueDataContributor, on: STORAGE },
    { who: USER, role: ROLES.storageTableDataReader, on: STORAGE },
    { who: USER, role: ROLES.keyVaultSecretsOfficer, on: VAULT },
    // Uploads audio with `az storage blob upload --auth-mode login`: the audio container, nothing else.
    { who: USER, role: ROLES.storageBlobDataContributor, on: CONTAINER },
  ];

  /** The expression a module receives as the name of the resource of this type that main.bicep creates. */
  function nameOfCreated(type: string): unknown {
    const placed = onlyResource(template, type);
    const nameParameter = /^\[parameters\('([^']+)'\)\]$/.exec(placed.resource.name)?.[1];
    return resolve(placed.deployment, `[parameters('${nameParameter}')]`).value;
  }

  const assignments = createdResources(template, 'Microsoft.Authorization/roleAssignments').map(({ resource, deployment }) => {
    // A resource, or a container: resourceId(type, account, 'default', container).
    const scope =
      /^\[resourceId\('([^']+)', parameters\('([^']+)'\)\)\]$/.exec(resource.scope ?? '') ??
      /^\[resourceId\('([^']+)', parameters\('[^']+'\), 'default', parameters\('([^']+)'\)\)\]$/.exec(resource.scope ?? '');
    const role = /^\[subscriptionResourceId\('Microsoft\.Authorization\/roleDefinitions', '([0-9a-f-]{36})'\)\]$/.exec(
      resource.properties?.roleDefinitionId,
    );
    return {
      resource,
      deployment,
      who: resolve(deployment, resource.properties?.principalId).value,
      role: role?.[1],
      on: scope?.[1],
      scopeTargetName: scope ? resolve(deployment, `[parameters('${scope[2]}')]`).value : undefined,
    };
  });

  test('grant exactly the least-privilege roles: the app identity its data roles, the deploying user send, read and secret-setting roles', () => {
    const summary = (list: { who: unknown; role?: string; on?: string }[]) =>
      list.map(({ who, role, on }) => `${String(who)} ${role} ${on}`).sort();
    expect(summary(assignments)).toEqual(summary(expected));
  });

  test('each is scoped to the very resource main.bicep creates, not to the resource group', () => {
    for (const a of assignments) {
      // The one container role: on the container AUDIO_CONTAINER names.
      const created = a.on === CONTAINER ? "[parameters('audioContainerName')]" : nameOfCreated(a.on!);
      expect({ role: a.role, scope: a.scopeTargetName }).toEqual({ role: a.role, scope: created });
    }
  });

  test('each is named guid(scope, principal, role), so redeploying finds the same assignment', () => {
    for (const { resource } of assignments) {
      const scope = resource.scope!.slice(1, -1);
      const role = String(resource.properties?.roleDefinitionId).slice(1, -1);
      const principal = String(resource.properties?.principalId).slice(1, -1);
      expect(resource.name).toBe(`[guid(${scope}, ${principal}, ${role})]`);
    }
  });

  test("the app identity's are for a service principal; the user's are skipped when principalId is empty", () => {
    for (const a of assignments) {
      if (a.who === APP) {
        expect(a.resource.properties?.principalType).toBe('ServicePrincipal');
        expect(a.resource.condition).toBeUndefined();
      } else {
        const principal = String(a.resource.properties?.principalId).slice(1, -1);
        expect(a.resource.condition).toBe(`[not(empty(${principal}))]`);
      }
    }
  });
});

describe('outputs', () => {
  const outputs = template.outputs ?? {};

  test('give the webhook URLs to paste into the Twilio console', () => {
    const urls = Object.values(outputs)
      .map((o) => String(o.value))
      .filter((v) => v.includes('/api/'));
    for (const route of ['voice', 'sms', 'status', 'message']) {
      expect(urls.filter((v) => v.startsWith(`[format('{0}/api/${route}', `))).toHaveLength(1);
    }
  });

  test('the webhook URLs start with WEBHOOK_BASE_URL, the base the app checks signatures against', () => {
    const appSettings = siteConfig(template, 'appsettings');
    const settings = resolve(appSettings.deployment, appSettings.resource.properties).value as Record<string, string>;
    const base = settings.WEBHOOK_BASE_URL.slice(1, -1);
    const webhookOutputs = Object.values(outputs).filter((o) => String(o.value).includes('/api/'));
    for (const output of webhookOutputs)
      expect(output.value).toMatch(new RegExp(`^\\[format\\('\\{0\\}/api/[a-z-]+', ${escape(base)}\\)\\]$`));
  });

  test('name the Function App, its URL, the outbound queue and the storage account', () => {
    const functionAppModule = moduleCreating(template, 'Microsoft.Web/sites');
    const storageModule = moduleCreating(template, 'Microsoft.Storage/storageAccounts');
    const values = Object.values(outputs).map((o) => o.value);
    expect(values).toContain(`[reference('${functionAppModule}').outputs.name.value]`);
    expect(values).toContain(`[reference('${functionAppModule}').outputs.url.value]`);
    expect(values).toContain("[parameters('outboundQueueName')]");
    expect(values).toContain(`[reference('${storageModule}').outputs.name.value]`);
  });

  test('carry no secret, in the main template or any module', () => {
    for (const deployment of deployments(template)) {
      const secureParameters = Object.entries(deployment.template.parameters ?? {})
        .filter(([, p]) => p.type.startsWith('secure'))
        .map(([name]) => name);
      for (const [name, output] of Object.entries(deployment.template.outputs ?? {})) {
        const where = `${deployment.symbol}.${name}`;
        expect({ where, type: output.type }).not.toEqual({ where, type: expect.stringMatching(/^secure/) });
        const value = JSON.stringify(output.value);
        // list*() returns keys and connection strings; secure parameters are the Twilio credentials.
        expect({ where, value }).not.toEqual({ where, value: expect.stringMatching(/\blist[A-Za-z]*\(/) });
        for (const secure of secureParameters)
          expect({ where, value }).not.toEqual({ where, value: expect.stringContaining(`parameters('${secure}')`) });
        expect({ where, value }).not.toEqual({ where, value: expect.stringContaining('Microsoft.KeyVault/vaults/secrets') });
      }
    }
    for (const [name, output] of Object.entries(outputs)) {
      expect({ name, value: JSON.stringify(output.value) }).not.toEqual({ name, value: expect.stringMatching(/ConnectionString/i) });
    }
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
