// The optional Event Grid topic the app publishes its events to (EVENT_GRID_TOPIC_ENDPOINT): CloudEvents 1.0
// input, local auth (access keys, SAS) disabled, so only Entra ID identities with a data role can publish.
// The app's identity gets EventGrid Data Sender on this topic alone.

@description('Name of the Event Grid topic.')
param name string

@description('Region of the topic.')
param location string

param tags object = {}

@description('Principal ID of the app identity, which publishes the events.')
param identityPrincipalId string

resource topic 'Microsoft.EventGrid/topics@2022-06-15' = {
  name: name
  location: location
  tags: tags
  properties: {
    inputSchema: 'CloudEventSchemaV1_0'
    disableLocalAuth: true
    publicNetworkAccess: 'Enabled'
  }
}

// Built-in role EventGrid Data Sender.
resource eventGridDataSender 'Microsoft.Authorization/roleDefinitions@2022-04-01' existing = {
  scope: subscription()
  name: 'd5a91429-5739-47e2-a06b-3470a27159e7'
}

resource appSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(topic.id, identityPrincipalId, eventGridDataSender.id)
  scope: topic
  properties: {
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: eventGridDataSender.id
  }
}

output endpoint string = topic.properties.endpoint
output name string = topic.name
