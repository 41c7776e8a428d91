// Azure OpenAI for the assistant (VOICE_MODE=assistant). The app's identity gets Cognitive Services OpenAI User on
// the account: one the user names (deployed in this module's scope, which may be another resource group), or one
// created here, with local (key) authentication off and one model deployment.
param accountName string
param create bool
param location string = resourceGroup().location
param tags object = {}

@description('Principal (object) ID of the app\'s user-assigned managed identity.')
param identityPrincipalId string

@description('Model deployment created with a new account (its name is AZURE_OPENAI_DEPLOYMENT).')
param deploymentName string
param modelName string
param modelVersion string
@description('Thousands of tokens per minute of the new deployment.')
param capacity int

resource created 'Microsoft.CognitiveServices/accounts@2024-10-01' = if (create) {
  name: accountName
  location: location
  tags: tags
  kind: 'OpenAI'
  sku: { name: 'S0' }
  properties: {
    customSubDomainName: accountName
    publicNetworkAccess: 'Enabled'
    // Entra ID only: the app has no key to lose.
    disableLocalAuth: true
  }
}

resource modelDeployment 'Microsoft.CognitiveServices/accounts/deployments@2024-10-01' = if (create) {
  parent: created
  name: deploymentName
  sku: { name: 'GlobalStandard', capacity: capacity }
  properties: { model: { format: 'OpenAI', name: modelName, version: modelVersion } }
}

resource account 'Microsoft.CognitiveServices/accounts@2024-10-01' existing = {
  name: accountName
}

// Built-in role: Cognitive Services OpenAI User (inference, no management; the same ID in every tenant).
resource openAiUser 'Microsoft.Authorization/roleDefinitions@2022-04-01' existing = {
  scope: subscription()
  name: '5e0bd9bd-7b93-4f28-af87-19fc36ad61bd'
}

resource appCanInfer 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: account
  name: guid(account.id, identityPrincipalId, openAiUser.id)
  properties: { principalId: identityPrincipalId, principalType: 'ServicePrincipal', roleDefinitionId: openAiUser.id }
  dependsOn: [created, modelDeployment]
}

output endpoint string = 'https://${accountName}.openai.azure.com'
