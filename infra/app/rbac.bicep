// Who may do what, at the narrowest scope that works. Assignment names are guid(scope, principal, role), so a
// redeploy finds the same assignment instead of failing on a duplicate.
param storageAccountName string
param keyVaultName string
param applicationInsightsName string

@description('Principal (object) ID of the app\'s user-assigned managed identity.')
param identityPrincipalId string

@description('Object ID of the person (or pipeline) deploying, so they can enqueue with the send CLI, read the ledger, set secrets and upload audio. Empty skips these roles.')
param userPrincipalId string

@description('The private container of greetings and hold music (AUDIO_CONTAINER), the one container the deploying user may write.')
param audioContainerName string

resource storage 'Microsoft.Storage/storageAccounts@2024-01-01' existing = {
  name: storageAccountName

  resource blobServices 'blobServices' existing = {
    name: 'default'

    resource audioContainer 'containers' existing = {
      name: audioContainerName
    }
  }
}

resource vault 'Microsoft.KeyVault/vaults@2024-11-01' existing = {
  name: keyVaultName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

// Built-in role definitions (the IDs are the same in every tenant).
resource storageBlobDataOwner 'Microsoft.Authorization/roleDefinitions@2022-04-01' existing = {
  scope: subscription()
  name: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
}

resource storageBlobDataContributor 'Microsoft.Authorization/roleDefinitions@2022-04-01' existing = {
  scope: subscription()
  name: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
}

resource storageQueueDataContributor 'Microsoft.Authorization/roleDefinitions@2022-04-01' existing = {
  scope: subscription()
  name: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
}

resource storageTableDataContributor 'Microsoft.Authorization/roleDefinitions@2022-04-01' existing = {
  scope: subscription()
  name: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
}

resource storageTableDataReader 'Microsoft.Authorization/roleDefinitions@2022-04-01' existing = {
  scope: subscription()
  name: '76199698-9eea-4c19-bc75-cec21354c6b6'
}

resource keyVaultSecretsUser 'Microsoft.Authorization/roleDefinitions@2022-04-01' existing = {
  scope: subscription()
  name: '4633458b-17de-408a-b874-0445c86b69e6'
}

resource keyVaultSecretsOfficer 'Microsoft.Authorization/roleDefinitions@2022-04-01' existing = {
  scope: subscription()
  name: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'
}

resource monitoringMetricsPublisher 'Microsoft.Authorization/roleDefinitions@2022-04-01' existing = {
  scope: subscription()
  name: '3913510d-42f4-4e42-8a64-420c390055eb'
}

// The app's identity.

// The Functions host keeps its locks, keys and the deployment package in blobs; Owner is what the
// identity-based AzureWebJobsStorage connection documents for the host.
resource appBlobOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identityPrincipalId, storageBlobDataOwner.id)
  scope: storage
  properties: {
    roleDefinitionId: storageBlobDataOwner.id
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Reads and deletes outbound messages, moves failures to the poison queue, enqueues SMS relays.
resource appQueueContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identityPrincipalId, storageQueueDataContributor.id)
  scope: storage
  properties: {
    roleDefinitionId: storageQueueDataContributor.id
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Writes the outbound ledger and the opt-out table.
resource appTableContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identityPrincipalId, storageTableDataContributor.id)
  scope: storage
  properties: {
    roleDefinitionId: storageTableDataContributor.id
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Reads the Twilio credentials; cannot list, set or delete them.
resource appSecretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, identityPrincipalId, keyVaultSecretsUser.id)
  scope: vault
  properties: {
    roleDefinitionId: keyVaultSecretsUser.id
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// Sends telemetry to an Application Insights resource that accepts Entra ID authentication only.
resource appMetricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, identityPrincipalId, monitoringMetricsPublisher.id)
  scope: applicationInsights
  properties: {
    roleDefinitionId: monitoringMetricsPublisher.id
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// The deploying user. principalType is left out: it may be a user or a pipeline's service principal.

resource userQueueContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(userPrincipalId)) {
  name: guid(storage.id, userPrincipalId, storageQueueDataContributor.id)
  scope: storage
  properties: {
    roleDefinitionId: storageQueueDataContributor.id
    principalId: userPrincipalId
  }
}

resource userTableReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(userPrincipalId)) {
  name: guid(storage.id, userPrincipalId, storageTableDataReader.id)
  scope: storage
  properties: {
    roleDefinitionId: storageTableDataReader.id
    principalId: userPrincipalId
  }
}

resource userSecretsOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(userPrincipalId)) {
  name: guid(vault.id, userPrincipalId, keyVaultSecretsOfficer.id)
  scope: vault
  properties: {
    roleDefinitionId: keyVaultSecretsOfficer.id
    principalId: userPrincipalId
  }
}

// Uploads greetings and hold music (`az storage blob upload --auth-mode login`): shared keys are off, so without a
// data role the upload is refused with 403. Scoped to the audio container alone, not recordings or the package.
resource userAudioContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(userPrincipalId)) {
  name: guid(storage::blobServices::audioContainer.id, userPrincipalId, storageBlobDataContributor.id)
  scope: storage::blobServices::audioContainer
  properties: {
    roleDefinitionId: storageBlobDataContributor.id
    principalId: userPrincipalId
  }
}
