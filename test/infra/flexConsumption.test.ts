// Rules Flex Consumption (FC1) enforces that the Bicep linter cannot see, checked on main.json.
import { allDocs } from '../../harness/docPages';
import { loadMainTemplate, onlyResource, resolve, rootParameter, siteConfig } from './armTemplate';

const template = loadMainTemplate();
const site = onlyResource(template, 'Microsoft.Web/sites');
const config = site.resource.properties!.functionAppConfig;

test('siteConfig sets none of the properties Flex Consumption refuses (ARM error 51021)', () => {
  // FtpsState among them: Flex has no FTP endpoint; basic-auth publishing is refused by the policies instead.
  const refused = [
    'ftpsstate',
    'use32bitworkerprocess',
    'prewarmedinstancecount',
    'netframeworkversion',
    'functionsruntimescalemonitoringenabled',
  ];
  const set = Object.keys(site.resource.properties!.siteConfig ?? {}).map((k) => k.toLowerCase());
  expect(set.filter((k) => refused.includes(k))).toEqual([]);
  expect(JSON.stringify(site.resource.properties).toLowerCase()).not.toContain('ftpsstate');
});

test('sets none of the app settings Flex Consumption rejects (it takes the runtime from functionAppConfig)', () => {
  const settings = siteConfig(template, 'appsettings');
  const names = Object.keys(resolve(settings.deployment, settings.resource.properties).value as Record<string, unknown>);
  const rejected =
    /^(FUNCTIONS_WORKER_RUNTIME|FUNCTIONS_EXTENSION_VERSION|WEBSITE_RUN_FROM_PACKAGE|WEBSITE_NODE_DEFAULT_VERSION|WEBSITE_CONTENT.*)$/i;
  expect(names.filter((n) => rejected.test(n))).toEqual([]);
});

test('maximumInstanceCount is at least 40, the platform minimum outside a few preview regions, and at most 1000', () => {
  expect(rootParameter(site.deployment, config.scaleAndConcurrency.maximumInstanceCount)?.name).toBe('maximumInstanceCount');
  expect(template.parameters?.maximumInstanceCount).toMatchObject({ minValue: 40, maxValue: 1000, defaultValue: 40 });
});

test('no page of the docs advises a maximumInstanceCount below 40', () => {
  const advised = allDocs()
    .flatMap(({ text }) => [...text.matchAll(/maximumInstanceCount`?(?: (?:of|to|=|at))? `?(\d+)/g)])
    .map((m) => Number(m[1]));
  expect(advised.filter((n) => n < 40)).toEqual([]);
});

test('instance memory is a parameter with the three sizes Flex offers, 512 MB by default', () => {
  expect(rootParameter(site.deployment, config.scaleAndConcurrency.instanceMemoryMB)?.name).toBe('instanceMemoryMB');
  expect(template.parameters?.instanceMemoryMB).toMatchObject({ allowedValues: [512, 2048, 4096], defaultValue: 512 });
  // 512 MB was refused by some stamps through Microsoft.Web 2024-04-01 (azure-rest-api-specs#40898).
  expect(site.resource.apiVersion! >= '2025-03-01').toBe(true);
});

test('always-ready instances: one for the webhooks by default, none for the outbound function', () => {
  const groups = site.deployment.passed.alwaysReady as { name: string; instanceCount: string }[];
  expect(rootParameter(site.deployment, config.scaleAndConcurrency.alwaysReady)).toBeUndefined();
  expect(resolve(site.deployment, config.scaleAndConcurrency.alwaysReady).value).toEqual(groups);
  expect(groups).toEqual([
    { name: 'http', instanceCount: "[parameters('httpAlwaysReadyInstances')]" },
    { name: 'function:outbound', instanceCount: "[parameters('outboundAlwaysReadyInstances')]" },
  ]);
  expect(template.parameters?.httpAlwaysReadyInstances).toMatchObject({ defaultValue: 1, minValue: 0 });
  expect(template.parameters?.outboundAlwaysReadyInstances).toMatchObject({ defaultValue: 0, minValue: 0 });
});
