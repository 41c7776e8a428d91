// The vault for the Twilio credentials. Access is by Azure RBAC only (no access policies); deleted secrets and the
// vault itself stay recoverable for softDeleteRetentionInDays. With purgeProtection nobody can destroy them earlier,
// which also keeps the name taken that long after `azd down`; without it `azd down` can purge the vault, so that
// `azd up` in the same environment can create it again at once.
param name string
param location string
param tags object

@minValue(7)
@maxValue(90)
param softDeleteRetentionInDays int

@description('Once on, purge protection cannot be turned off: false leaves it as it is (null), never sends false.')
param purgeProtection bool

@description('False with privateNetworking: only the private endpoint (private-endpoints.bicep) reaches the vault.')
param publicNetworkAccess bool

resource vault 'Microsoft.KeyVault/vaults@2024-11-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: softDeleteRetentionInDays
    enablePurgeProtection: purgeProtection ? true : null
    publicNetworkAccess: publicNetworkAccess ? 'Enabled' : 'Disabled'
    networkAcls: {
      defaultAction: publicNetworkAccess ? 'Allow' : 'Deny'
      bypass: 'AzureServices'
    }
  }
}

output name string = vault.name
output uri string = vault.properties.vaultUri
