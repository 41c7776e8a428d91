// The Function App on a Flex Consumption (FC1) plan: Linux, Node.js 22 or 24, running as the user-assigned identity.
// Its deployment package lives in a blob container that the platform reaches with that identity.
param name string
param planName string
param location string
param tags object

@description('The azd service this app hosts; `azd deploy` finds the app by this tag.')
param serviceName string

@description('Resource ID of the user-assigned managed identity.')
param identityId string

@description('URL of the blob container that holds the deployment package.')
param deploymentContainerUrl string

@description('Most on-demand instances of each function group.')
param maximumInstanceCount int
param instanceMemoryMB int

@allowed(['22', '24'])
param nodeVersion string

@description('Always-ready instances by function group: name is http or function:<name>. Billed while idle.')
param alwaysReady { name: string, instanceCount: int }[]

@description('Subnet the app joins (delegated to Microsoft.App/environments); empty for none.')
param virtualNetworkSubnetId string

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2025-03-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identityId
    virtualNetworkSubnetId: empty(virtualNetworkSubnetId) ? null : virtualNetworkSubnetId
    // No ftpsState, use32BitWorkerProcess, preWarmedInstanceCount, netFrameworkVersion or
    // functionsRuntimeScaleMonitoringEnabled: Flex Consumption refuses them (ARM error 51021), and has no FTP.
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      http20Enabled: true
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
        alwaysReady: alwaysReady
      }
      runtime: {
        name: 'node'
        version: nodeVersion
      }
    }
  }

  // Deployments go through Entra ID (azd, az functionapp deploy); publishing with basic credentials stays off.
  resource ftpCredentials 'basicPublishingCredentialsPolicies' = {
    name: 'ftp'
    properties: { allow: false }
  }

  resource scmCredentials 'basicPublishingCredentialsPolicies' = {
    name: 'scm'
    properties: { allow: false }
  }
}

output name string = site.name
output url string = 'https://${site.properties.defaultHostName}'
