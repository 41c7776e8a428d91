// Storage for the Functions host, the outbound queue (and its poison queue), the ledger, opt-out and auto-reply
// tables, the deployment package container and the private audio container. Shared-key access is off: everything goes through Entra ID.
param name string
param location string
param tags object

@description('Queues to create. The host moves a message that failed maxDequeueCount times to <queue>-poison.')
param queueNames string[]
param tableNames string[]
param deploymentContainerName string
@description('Private blob containers: the app reads some (greetings and hold music) and writes others (voicemail recordings).')
param containerNames string[] = []

@description('False with privateNetworking: only the private endpoints (private-endpoints.bicep) reach the account.')
param publicNetworkAccess bool

resource storage 'Microsoft.Storage/storageAccounts@2024-01-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    accessTier: 'Hot'
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: publicNetworkAccess ? 'Enabled' : 'Disabled'
    networkAcls: {
      defaultAction: publicNetworkAccess ? 'Allow' : 'Deny'
      bypass: 'AzureServices'
    }
  }

  resource blobServices 'blobServices' = {
    name: 'default'

    resource deploymentContainer 'containers' = {
      name: deploymentContainerName
      properties: { publicAccess: 'None' }
    }

    resource appContainers 'containers' = [
      for containerName in containerNames: {
        name: containerName
        properties: { publicAccess: 'None' }
      }
    ]
  }

  resource queueServices 'queueServices' = {
    name: 'default'

    resource queues 'queues' = [
      for queueName in queueNames: {
        name: queueName
      }
    ]
  }

  resource tableServices 'tableServices' = {
    name: 'default'

    resource tables 'tables' = [
      for tableName in tableNames: {
        name: tableName
      }
    ]
  }
}

output name string = storage.name
output blobEndpoint string = storage.properties.primaryEndpoints.blob
output queueEndpoint string = storage.properties.primaryEndpoints.queue
output tableEndpoint string = storage.properties.primaryEndpoints.table
output deploymentContainerUrl string = '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
