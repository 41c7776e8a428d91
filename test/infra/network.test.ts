// The two network shapes of main.json: public endpoints (the default), and privateNetworking=true, where the app
// joins a virtual network and storage and Key Vault answer only on private endpoints. Also where logs go.
import { evaluatorFor, UnsupportedExpression } from './armExpression';
import {
  createdResources,
  deployments,
  loadMainTemplate,
  onlyResource,
  resolve,
  type ArmResource,
  type PlacedResource,
} from './armTemplate';

const template = loadMainTemplate();
const rootModules = template.resources as Record<string, ArmResource & { condition?: string }>;

type Shape = { privateNetworking: boolean };
// azd passes these two; every other parameter keeps its default.
const AZD = { environmentName: 'prod', location: 'eastus' };
const PUBLIC: Shape = { ...AZD, privateNetworking: false };
const PRIVATE: Shape = { ...AZD, privateNetworking: true };

/** One property of a created resource, as deployed with these root parameters. */
function deployed(placed: PlacedResource, shape: Shape, property: string): any {
  return evaluatorFor(placed.deployment, shape).instances(placed.resource, (r) => r.properties[property])[0];
}

/** Whether the root-level module holding a resource is deployed with these parameters. */
function moduleDeployed(placed: PlacedResource, shape: Shape): boolean {
  let d = placed.deployment;
  while (d.parent?.parent) d = d.parent;
  const condition = rootModules[d.symbol]?.condition;
  return condition === undefined ? true : Boolean(evaluatorFor(deployments(template)[0], shape).value(condition));
}

const storage = onlyResource(template, 'Microsoft.Storage/storageAccounts');
const vault = onlyResource(template, 'Microsoft.KeyVault/vaults');
const site = onlyResource(template, 'Microsoft.Web/sites');

test('privateNetworking is off by default', () => {
  expect(template.parameters?.privateNetworking).toMatchObject({ type: 'bool', defaultValue: false });
});

describe('public shape (the default)', () => {
  test('creates no virtual network, private endpoint or private DNS zone', () => {
    for (const type of ['Microsoft.Network/virtualNetworks', 'Microsoft.Network/privateEndpoints', 'Microsoft.Network/privateDnsZones']) {
      const found = createdResources(template, type);
      expect(found.length).toBeGreaterThan(0);
      for (const placed of found) expect({ type, deployed: moduleDeployed(placed, PUBLIC) }).toEqual({ type, deployed: false });
    }
  });

  test('storage and Key Vault take public traffic, still only with Entra ID (no shared keys)', () => {
    for (const placed of [storage, vault]) {
      expect(deployed(placed, PUBLIC, 'publicNetworkAccess')).toBe('Enabled');
      expect(deployed(placed, PUBLIC, 'networkAcls')).toMatchObject({ defaultAction: 'Allow' });
    }
    expect(deployed(storage, PUBLIC, 'allowSharedKeyAccess')).toBe(false);
    expect(deployed(vault, PUBLIC, 'enableRbacAuthorization')).toBe(true);
  });

  test('the Function App joins no subnet', () => {
    expect(deployed(site, PUBLIC, 'virtualNetworkSubnetId')).toBeNull();
  });
});

describe('private shape (privateNetworking=true)', () => {
  test('creates the virtual network, the private endpoints and their DNS zones', () => {
    for (const type of ['Microsoft.Network/virtualNetworks', 'Microsoft.Network/privateEndpoints', 'Microsoft.Network/privateDnsZones']) {
      for (const placed of createdResources(template, type))
        expect({ type, deployed: moduleDeployed(placed, PRIVATE) }).toEqual({ type, deployed: true });
    }
  });

  test('storage and Key Vault refuse public traffic', () => {
    for (const placed of [storage, vault]) {
      expect(deployed(placed, PRIVATE, 'publicNetworkAccess')).toBe('Disabled');
      expect(deployed(placed, PRIVATE, 'networkAcls')).toMatchObject({ defaultAction: 'Deny' });
    }
  });

  test('one private endpoint each for blob, queue, table and the vault, each in its privatelink zone, linked to the network', () => {
    const endpoints = onlyResource(template, 'Microsoft.Network/privateEndpoints');
    const arm = evaluatorFor(endpoints.deployment, PRIVATE);
    const groupIds = arm.instances(endpoints.resource, (r) => r.properties.privateLinkServiceConnections[0].properties.groupIds);
    expect(groupIds.flat()).toEqual(['blob', 'queue', 'table', 'vault']);
    const zones = onlyResource(template, 'Microsoft.Network/privateDnsZones');
    expect(arm.instances(zones.resource, (r) => r.name)).toEqual([
      'privatelink.blob.core.windows.net',
      'privatelink.queue.core.windows.net',
      'privatelink.table.core.windows.net',
      'privatelink.vaultcore.azure.net',
    ]);
    const links = onlyResource(template, 'Microsoft.Network/privateDnsZones/virtualNetworkLinks');
    expect(arm.instances(links.resource, () => 0)).toHaveLength(4);
    expect(links.resource.properties?.virtualNetwork.id).toBe("[parameters('virtualNetworkId')]");
    expect(resolve(links.deployment, "[parameters('virtualNetworkId')]").value).toBe("[reference('network').outputs.id.value]");
    const groups = onlyResource(template, 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups');
    expect(arm.instances(groups.resource, () => 0)).toHaveLength(4);
  });

  test('the private endpoints target the storage account and the vault main.bicep creates', () => {
    const endpoints = onlyResource(template, 'Microsoft.Network/privateEndpoints');
    const target = String(endpoints.resource.properties?.privateLinkServiceConnections[0].properties.privateLinkServiceId);
    expect(target).toContain("resourceId('Microsoft.Storage/storageAccounts', parameters('storageAccountName'))");
    expect(target).toContain("resourceId('Microsoft.KeyVault/vaults', parameters('keyVaultName'))");
    expect(resolve(endpoints.deployment, "[parameters('storageAccountName')]").value).toBe(
      resolve(storage.deployment, "[parameters('name')]").value,
    );
    expect(resolve(endpoints.deployment, "[parameters('keyVaultName')]").value).toBe(
      resolve(vault.deployment, "[parameters('name')]").value,
    );
  });

  test('the Function App joins the app subnet, which is delegated to Microsoft.App/environments as Flex Consumption requires', () => {
    const subnet = String((rootModules.functionApp.properties!.parameters as Record<string, unknown>).virtualNetworkSubnetId);
    expect(subnet).toContain("reference('network').outputs.appSubnetId.value");
    expect(() => deployed(site, PRIVATE, 'virtualNetworkSubnetId')).toThrow(UnsupportedExpression); // the subnet's ID exists only once deployed
    const network = onlyResource(template, 'Microsoft.Network/virtualNetworks');
    const subnets = deployed(network, PRIVATE, 'subnets') as {
      name: string;
      properties: { delegations?: { properties: { serviceName: string } }[] };
    }[];
    expect(subnets.find((s) => s.name === 'app')?.properties.delegations?.map((d) => d.properties.serviceName)).toEqual([
      'Microsoft.App/environments',
    ]);
    expect(network.deployment.template.outputs?.appSubnetId?.value).toBe(
      "[resourceId('Microsoft.Network/virtualNetworks/subnets', parameters('name'), 'app')]",
    );
  });
});

describe('diagnostic settings', () => {
  const settings = createdResources(template, 'Microsoft.Insights/diagnosticSettings');
  const workspaceName = resolve(
    onlyResource(template, 'Microsoft.OperationalInsights/workspaces').deployment,
    "[parameters('logAnalyticsName')]",
  ).value;

  function on(type: string): PlacedResource {
    const found = settings.filter((s) => String(s.resource.scope).startsWith(`[resourceId('${type}', `));
    expect(found).toHaveLength(1);
    return found[0];
  }

  test("send Key Vault's audit log (every secret read, set or refused) to the Log Analytics workspace", () => {
    const vaultAudit = on('Microsoft.KeyVault/vaults');
    expect(vaultAudit.resource.properties?.logs).toEqual([{ categoryGroup: 'audit', enabled: true }]);
    expect(resolve(vaultAudit.deployment, "[parameters('keyVaultName')]").value).toBe(
      resolve(vault.deployment, "[parameters('name')]").value,
    );
    expect(vaultAudit.resource.properties?.workspaceId).toBe(
      "[resourceId('Microsoft.OperationalInsights/workspaces', parameters('logAnalyticsName'))]",
    );
    expect(resolve(vaultAudit.deployment, "[parameters('logAnalyticsName')]").value).toBe(workspaceName);
  });

  // Application Insights already stores the host's and the app's logs in this workspace (AppTraces, AppRequests): a
  // FunctionAppLogs setting on the app ingested, and billed, every line a second time.
  test("the Function App's logs go to one place: no diagnostic setting copies them", () => {
    expect(settings.filter((s) => String(s.resource.scope).startsWith("[resourceId('Microsoft.Web/sites', "))).toEqual([]);
    expect(JSON.stringify(template)).not.toContain('FunctionAppLogs');
    expect(onlyResource(template, 'Microsoft.Insights/components').resource.properties?.WorkspaceResourceId).toBe(
      "[resourceId('Microsoft.OperationalInsights/workspaces', parameters('logAnalyticsName'))]",
    );
  });
});
