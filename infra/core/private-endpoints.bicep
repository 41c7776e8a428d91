// Private endpoints for privateNetworking: the storage account's blob, queue and table services and the Key Vault,
// each with its privatelink DNS zone linked to the virtual network, so the app resolves their usual names to
// private addresses. Their public endpoints are turned off in storage.bicep and key-vault.bicep.
param location string
param tags object
param virtualNetworkId string
param subnetId string
param storageAccountName string
param keyVaultName string

resource storage 'Microsoft.Storage/storageAccounts@2024-01-01' existing = {
  name: storageAccountName
}

resource vault 'Microsoft.KeyVault/vaults@2024-11-01' existing = {
  name: keyVaultName
}

var storageServices = ['blob', 'queue', 'table']
var endpoints = [
  for service in storageServices: {
    name: '${storageAccountName}-${service}'
    groupId: service
    zone: 'privatelink.${service}.${environment().suffixes.storage}'
  }
]
var allEndpoints = concat(endpoints, [
  {
    name: '${keyVaultName}-vault'
    groupId: 'vault'
    zone: 'privatelink.vaultcore.azure.net'
  }
])

resource zones 'Microsoft.Network/privateDnsZones@2024-06-01' = [
  for endpoint in allEndpoints: {
    name: endpoint.zone
    location: 'global'
    tags: tags
  }
]

resource zoneLinks 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = [
  for (endpoint, i) in allEndpoints: {
    parent: zones[i]
    name: 'app-vnet'
    location: 'global'
    tags: tags
    properties: {
      registrationEnabled: false
      virtualNetwork: { id: virtualNetworkId }
    }
  }
]

resource privateEndpoints 'Microsoft.Network/privateEndpoints@2024-05-01' = [
  for endpoint in allEndpoints: {
    name: 'pe-${endpoint.name}'
    location: location
    tags: tags
    properties: {
      subnet: { id: subnetId }
      privateLinkServiceConnections: [
        {
          name: endpoint.name
          properties: {
            privateLinkServiceId: endpoint.groupId == 'vault' ? vault.id : storage.id
            groupIds: [endpoint.groupId]
          }
        }
      ]
    }
  }
]

resource zoneGroups 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2024-05-01' = [
  for (endpoint, i) in allEndpoints: {
    parent: privateEndpoints[i]
    name: 'default'
    properties: {
      privateDnsZoneConfigs: [
        {
          name: endpoint.groupId
          properties: { privateDnsZoneId: zones[i].id }
        }
      ]
    }
  }
]
