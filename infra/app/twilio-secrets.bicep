// Puts the Twilio credentials into Key Vault, each only when its value is given, so a redeploy without them
// leaves secrets set earlier (for example with `az keyvault secret set`) untouched. Nothing here is output.
param keyVaultName string

@secure()
param accountSid string
@secure()
param authToken string
@secure()
param apiKeySid string
@secure()
param apiKeySecret string

resource vault 'Microsoft.KeyVault/vaults@2024-11-01' existing = {
  name: keyVaultName
}

resource accountSidSecret 'Microsoft.KeyVault/vaults/secrets@2024-11-01' = if (!empty(accountSid)) {
  parent: vault
  name: 'twilio-account-sid'
  properties: { value: accountSid }
}

resource authTokenSecret 'Microsoft.KeyVault/vaults/secrets@2024-11-01' = if (!empty(authToken)) {
  parent: vault
  name: 'twilio-auth-token'
  properties: { value: authToken }
}

resource apiKeySidSecret 'Microsoft.KeyVault/vaults/secrets@2024-11-01' = if (!empty(apiKeySid)) {
  parent: vault
  name: 'twilio-api-key-sid'
  properties: { value: apiKeySid }
}

resource apiKeySecretSecret 'Microsoft.KeyVault/vaults/secrets@2024-11-01' = if (!empty(apiKeySecret)) {
  parent: vault
  name: 'twilio-api-key-secret'
  properties: { value: apiKeySecret }
}
