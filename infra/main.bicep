// Provisions twilio-azure-functions: a Flex Consumption Function App running as one user-assigned managed
// identity, its storage (queue, poison queue, ledger, opt-out, auto-reply, activity, assistant and Event Streams
// tables, deployment and audio containers), a Key Vault for the Twilio credentials, and Application Insights.
// Follows azd's conventions (azure.yaml, main.parameters.json).
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; names the resource group and seeds every resource name.')
param environmentName string

// The regions that offer Flex Consumption, as Microsoft's azd quickstarts restrict them
// (Azure-Samples/functions-quickstart-dotnet-azd, infra/main.bicep, 2026-02-21; the TypeScript quickstart's list
// is the same), less eastus2euap, a canary region ordinary subscriptions cannot use. The live list, per
// subscription: `az functionapp list-flexconsumption-locations`. A region outside it would fail at plan creation,
// after everything else exists.
@minLength(1)
@description('Azure region for every resource: one that offers the Flex Consumption plan.')
@allowed([
  'australiaeast'
  'australiasoutheast'
  'brazilsouth'
  'canadacentral'
  'centralindia'
  'centralus'
  'eastasia'
  'eastus'
  'eastus2'
  'francecentral'
  'germanywestcentral'
  'italynorth'
  'japaneast'
  'koreacentral'
  'northcentralus'
  'northeurope'
  'norwayeast'
  'southafricanorth'
  'southcentralus'
  'southeastasia'
  'southindia'
  'spaincentral'
  'swedencentral'
  'uaenorth'
  'uksouth'
  'ukwest'
  'westcentralus'
  'westeurope'
  'westus'
  'westus2'
  'westus3'
])
@metadata({ azd: { type: 'location' } })
param location string

@description('Object ID of the deploying user (azd sets AZURE_PRINCIPAL_ID). Gets queue, table-read and secret-setting access; empty skips that.')
param principalId string = ''

// Scale of the Function App.

@description('Most on-demand instances of each function group: the HTTP functions scale together, the outbound function on its own (Flex Consumption per-function scaling). The platform minimum is 40.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Node.js version the Function App runs: 22 (what CI tests first and the default) or 24 (the current LTS line; CI runs the suite on it too).')
@allowed(['22', '24'])
param nodeVersion string = '22'

@description('Memory of each instance, in MB (512 has 0.25 CPU core, 2048 one core). Billed per GB-second. The app peaked at 164 MB resident under load; see the README (Cost and instance size).')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 512

@description('Always-ready instances of the HTTP functions (the webhooks), so a caller does not wait for a cold start. Billed while idle.')
@minValue(0)
@maxValue(20)
param httpAlwaysReadyInstances int = 1

@description('Always-ready instances of the outbound (queue) function. Billed while idle; they count against twilioMaxConcurrency too.')
@minValue(0)
@maxValue(20)
param outboundAlwaysReadyInstances int = 0

@description('TWILIO_MAX_CONCURRENCY: the most Twilio REST requests the outbound function may have in flight across all its instances (Twilio allows about 100 per account). Must be at least maximumInstanceCount + outboundAlwaysReadyInstances.')
@minValue(40)
@maxValue(10000)
param twilioMaxConcurrency int = 80

// App settings (see shared/settings.ts for what each one means). Empty strings leave a setting to the app's default.

@description('OUTBOUND_QUEUE: the queue the outbound function reads. Its poison queue is <name>-poison.')
@minLength(3)
@maxLength(56)
param outboundQueueName string = 'twilio-outbound'

@description('OUTBOUND_LEDGER: the table that records each outbound message once.')
@minLength(3)
@maxLength(63)
param outboundLedgerTableName string = 'outboundledger'

@description('OPTOUT_TABLE: the table of numbers that replied STOP.')
@minLength(3)
@maxLength(63)
param optOutTableName string = 'optouts'

@description('AUTO_REPLY_TABLE: the table that counts auto-replies per sender and hour.')
@minLength(3)
@maxLength(63)
param autoReplyTableName string = 'autoreplies'

@description('ACTIVITY_TABLE: the table of inbound calls, texts and voicemails the console shows. Empty turns the record off.')
@maxLength(63)
param activityTableName string = 'inboundactivity'

@description('ASSISTANT_TABLE: the table of the assistant\'s conversations, one row per call.')
@minLength(3)
@maxLength(63)
param assistantTableName string = 'assistantcalls'

@description('EVENT_STREAMS_TABLE: the table of the event ids /api/event-streams has published, for its dedupe window.')
@minLength(3)
@maxLength(63)
param eventStreamsTableName string = 'eventstreamids'

@description('EVENT_STREAMS_OVERSIZED_CONTAINER: the private container of Event Streams events too large for the events queue.')
@minLength(3)
@maxLength(63)
param eventStreamsOversizedContainerName string = 'eventstreams-oversized'

@description('AUDIO_CONTAINER: private blob container of greetings and hold music, served by /api/audio/<file>.')
@minLength(3)
@maxLength(63)
param audioContainerName string = 'audio'

@description('RECORDINGS_QUEUE: voicemail recordings waiting to be copied into Blob storage. Its poison queue is <name>-poison.')
@minLength(3)
@maxLength(56)
param recordingsQueueName string = 'voicemail-recordings'

@description('RECORDINGS_CONTAINER: the private container voicemail recordings are copied into.')
@minLength(3)
@maxLength(63)
param recordingsContainerName string = 'recordings'

@description('RECORDING_LINK_DAYS: how long the link in a voicemail SMS opens the recording.')
@minValue(1)
param recordingLinkDays int = 7

@description('RECORDINGS_DELETE_FROM_TWILIO: delete each recording from Twilio once it is copied.')
param recordingsDeleteFromTwilio bool = false

@description('SECRETS_CACHE_TTL_SECONDS: how long each instance caches the Twilio credentials read from Key Vault.')
@minValue(1)
param secretsCacheTtlSeconds int = 300

@description('WEBHOOK_BASE_URL: the public base URL exactly as configured in Twilio (custom domain, Front Door). Empty means the app\'s own https://<app>.azurewebsites.net.')
param webhookBaseUrl string = ''

@description('TWILIO_FROM_NUMBER: default E.164 sender for outbound SMS and calls.')
param twilioFromNumber string = ''

@description('TWILIO_MESSAGING_SERVICE_SID: default Messaging Service (MG...) for outbound SMS.')
param twilioMessagingServiceSid string = ''

@description('VOICE_GREETING: said (or played, when it starts with http) to every caller first.')
param voiceGreeting string = ''

@description('VOICE_MODE: what the voice webhook does after the greeting: message, forward, voicemail, menu, queue or client.')
param voiceMode string = 'message'

@description('VOICE_HOURS: weekly open hours, e.g. "Mon-Fri 09:00-17:30; Sat 10:00-14:00". Empty: always open.')
param voiceHours string = ''

@description('VOICE_TIMEZONE: IANA time zone of VOICE_HOURS and VOICE_HOLIDAYS.')
param voiceTimezone string = 'UTC'

@description('VOICE_HOLIDAYS: dates closed all day, YYYY-MM-DD or MM-DD, comma-separated.')
param voiceHolidays string = ''

@description('VOICE_CLOSED_MODE: what the voice webhook does outside VOICE_HOURS: any VOICE_MODE.')
param voiceClosedMode string = 'voicemail'

@description('VOICE_CLOSED_GREETING: said (or played) instead of VOICE_GREETING when closed.')
param voiceClosedGreeting string = ''

@description('VOICE_BLOCKLIST: comma-separated numbers whose calls are rejected and whose SMS get no reply or relay.')
param voiceBlocklist string = ''

@description('VOICE_REJECT_ANONYMOUS: true rejects calls without caller ID.')
param voiceRejectAnonymous string = 'false'

@description('VOICE_QUEUE: the call queue VOICE_MODE=queue puts callers in.')
param voiceQueue string = 'support'

@description('VOICE_QUEUE_MAX_WAIT: seconds a caller waits in the queue before voicemail or a goodbye.')
param voiceQueueMaxWait string = '300'

@description('VOICE_HOLD_MUSIC: an http(s) URL or audio:<file> played while callers wait. Empty: Twilio\'s hold music.')
param voiceHoldMusic string = ''

@description('VOICE_FORWARD_TO: E.164 number that VOICE_MODE=forward dials.')
param voiceForwardTo string = ''

@description('VOICE_MENU_OPTIONS: JSON object for VOICE_MODE=menu, digit keys to an E.164 number or an http(s) URL.')
param voiceMenuOptions string = ''

@description('VOICEMAIL_NOTIFY: E.164 number that gets an SMS for each voicemail.')
param voicemailNotify string = ''

@description('SMS_AUTO_REPLY: reply text for incoming SMS; {from} and {body} are replaced. Empty sends no reply.')
param smsAutoReply string = ''

@description('SMS_FORWARD_TO: E.164 number incoming SMS are relayed to.')
param smsForwardTo string = ''

@description('SMS_AUTO_REPLY_LIMIT: most auto-replies one sender gets per hour, across all instances.')
param smsAutoReplyLimit string = '5'

@description('OUTBOUND_ALLOWED_COUNTRIES: country calling codes outbound SMS and calls may go to, e.g. "1,44". Empty allows every country.')
param outboundAllowedCountries string = ''

// Browser calling (README, Browser calling).

@description('Application (client) ID of an existing Entra app registration. Set, it turns on App Service Authentication for the browser phone (/api/phone, /api/token); every other route stays anonymous. Empty: authentication stays off and /api/token refuses every request.')
param entraClientId string = ''

@description('TWILIO_TWIML_APP_SID: the TwiML App (AP...) whose voice URL is /api/client-voice.')
param twilioTwimlAppSid string = ''

@description('CLIENT_TOKEN_TTL_SECONDS: lifetime of a browser Access Token, at most 24 h.')
@minValue(60)
@maxValue(86400)
param clientTokenTtlSeconds int = 3600

@description('CLIENT_DIAL_ALLOWED: calling codes (+44), regions (GB) and E.164 numbers browsers may call, or none. Empty: the region of TWILIO_FROM_NUMBER.')
param clientDialAllowed string = ''

@description('CLIENT_ALLOWED_GROUPS: Entra group object IDs or app role values allowed a browser token. Empty: every signed-in user of the tenant.')
param clientAllowedGroups string = ''

@description('VOICE_CLIENT_IDENTITIES: browser identities (Entra object IDs) VOICE_MODE=client rings.')
param voiceClientIdentities string = ''

// Twilio credentials. Each is written to Key Vault only when given, and never output. They can also be set later
// with `az keyvault secret set` (see the README).

@secure()
@description('Twilio Account SID (AC...), stored as the secret twilio-account-sid.')
param twilioAccountSid string = ''

@secure()
@description('Twilio auth token, stored as the secret twilio-auth-token.')
param twilioAuthToken string = ''

@secure()
@description('Optional Twilio API key SID (SK...), stored as the secret twilio-api-key-sid.')
param twilioApiKeySid string = ''

@secure()
@description('Secret of the optional Twilio API key, stored as the secret twilio-api-key-secret.')
param twilioApiKeySecret string = ''

@description('EVENTS_QUEUE: the queue that gets every event (CloudEvents). Empty turns events off.')
param eventsQueueName string = 'twilio-events'

@description('Azure OpenAI account for VOICE_MODE=assistant: an existing account the app identity is granted Cognitive Services OpenAI User on, or the new one with createOpenAi. Empty and createOpenAi false: no assistant.')
param openAiAccountName string = ''
@description('Resource group of an existing openAiAccountName; empty: this deployment\'s.')
param openAiResourceGroupName string = ''
@description('Create an Azure OpenAI account (openAiAccountName, or oai-<token>) with one model deployment.')
param createOpenAi bool = false
@description('AZURE_OPENAI_DEPLOYMENT: the model deployment the assistant calls (created with createOpenAi).')
param openAiDeployment string = 'receptionist'
param openAiModel string = 'gpt-4o-mini'
param openAiModelVersion string = '2024-07-18'
param openAiCapacity int = 10
@description('ASSISTANT_INSTRUCTIONS: who the business is and what callers may be told.')
param assistantInstructions string = ''
param assistantVoice string = ''
param assistantLanguage string = 'en-US'

@description('Create an Event Grid topic (local auth disabled) that also gets every event, published with the app identity.')
param createEventGridTopic bool = false

@description('Days a deleted vault or secret stays recoverable, and its name taken. Fixed once the vault exists. 7 (the least) suits non-production; set 90 for production (docs/deploying.md, Key Vault).')
@minValue(7)
@maxValue(90)
param keyVaultSoftDeleteRetentionInDays int = 7

@description('Purge protection: nobody can destroy the deleted vault or its secrets before the retention is over, and `azd down` cannot free its name. Turn on for production; once on it cannot be turned off.')
param keyVaultPurgeProtection bool = false

@description('Daily ingestion cap of the Log Analytics workspace (where Application Insights and the Key Vault audit log write), in GB, e.g. 0.5. Empty: no cap. Past the cap nothing more is stored until the next UTC day.')
param logDailyCapGb string = ''

@description('Put the app on a virtual network and reach storage and Key Vault only through private endpoints (their public endpoints are then off). Off by default; see the README (Private networking).')
param privateNetworking bool = false

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
// Names are known before deployment (not taken from module outputs), so what-if can predict every change.
var names = {
  identity: 'id-${resourceToken}'
  storage: 'st${resourceToken}'
  keyVault: 'kv-${resourceToken}'
  logAnalytics: 'log-${resourceToken}'
  applicationInsights: 'appi-${resourceToken}'
  plan: 'plan-${resourceToken}'
  functionApp: 'func-${resourceToken}'
  eventGridTopic: 'evgt-${resourceToken}'
  virtualNetwork: 'vnet-${resourceToken}'
  openAi: empty(openAiAccountName) ? 'oai-${resourceToken}' : openAiAccountName
}
// Twilio concurrency, bounded by construction. On Flex Consumption the outbound function scales in its own group,
// up to maximumInstanceCount on-demand instances plus its always-ready ones, and each instance runs at most
// batchSize + newBatchThreshold messages at once, each with one Twilio request in flight. So each instance gets
// an equal share of twilioMaxConcurrency, at most 48; with no whole share left the deployment stops, naming why.
var outboundInstanceLimit = maximumInstanceCount + outboundAlwaysReadyInstances
var outboundShare = twilioMaxConcurrency / outboundInstanceLimit
var outboundPerInstance = outboundShare >= 1
  ? min(outboundShare, 48)
  : int('twilioMaxConcurrency (TWILIO_MAX_CONCURRENCY) must be at least maximumInstanceCount + outboundAlwaysReadyInstances')
// Set both: newBatchThreshold's default is (batchSize / 2) x processor count, which would exceed the share.
var queueBatchSize = (outboundPerInstance + 1) / 2
var queueNewBatchThreshold = outboundPerInstance - queueBatchSize

var webhookBaseUrlOverride = endsWith(webhookBaseUrl, '/')
  ? take(webhookBaseUrl, length(webhookBaseUrl) - 1)
  : webhookBaseUrl

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module identity 'core/identity.bicep' = {
  scope: rg
  params: {
    name: names.identity
    location: location
    tags: tags
  }
}

module storage 'core/storage.bicep' = {
  scope: rg
  params: {
    name: names.storage
    location: location
    tags: tags
    queueNames: concat(
      [outboundQueueName, '${outboundQueueName}-poison', recordingsQueueName, '${recordingsQueueName}-poison'],
      empty(eventsQueueName) ? [] : [eventsQueueName]
    )
    // The app identity's Storage Blob Data Owner on the account (app/rbac.bicep) covers it: no extra role.
    containerNames: [recordingsContainerName, audioContainerName, eventStreamsOversizedContainerName]
    tableNames: concat(
      [outboundLedgerTableName, optOutTableName, autoReplyTableName, assistantTableName, eventStreamsTableName],
      empty(activityTableName) ? [] : [activityTableName]
    )
    deploymentContainerName: 'app-package'
    publicNetworkAccess: !privateNetworking
  }
}

module keyVault 'core/key-vault.bicep' = {
  scope: rg
  params: {
    name: names.keyVault
    location: location
    tags: tags
    softDeleteRetentionInDays: keyVaultSoftDeleteRetentionInDays
    purgeProtection: keyVaultPurgeProtection
    publicNetworkAccess: !privateNetworking
  }
}

module twilioSecrets 'app/twilio-secrets.bicep' = {
  scope: rg
  params: {
    keyVaultName: names.keyVault
    accountSid: twilioAccountSid
    authToken: twilioAuthToken
    apiKeySid: twilioApiKeySid
    apiKeySecret: twilioApiKeySecret
  }
  // The vault is named, not referenced, so Bicep infers no order: state it.
  dependsOn: [keyVault]
}

module monitoring 'core/monitoring.bicep' = {
  scope: rg
  params: {
    logAnalyticsName: names.logAnalytics
    applicationInsightsName: names.applicationInsights
    location: location
    tags: tags
    dailyCapGb: logDailyCapGb
  }
}

module network 'core/network.bicep' = if (privateNetworking) {
  scope: rg
  params: {
    name: names.virtualNetwork
    location: location
    tags: tags
  }
}

module privateEndpoints 'core/private-endpoints.bicep' = if (privateNetworking) {
  scope: rg
  params: {
    location: location
    tags: tags
    virtualNetworkId: network!.outputs.id
    subnetId: network!.outputs.privateEndpointSubnetId
    storageAccountName: names.storage
    keyVaultName: names.keyVault
  }
  dependsOn: [storage, keyVault]
}

module rbac 'app/rbac.bicep' = {
  scope: rg
  params: {
    storageAccountName: names.storage
    keyVaultName: names.keyVault
    applicationInsightsName: names.applicationInsights
    identityPrincipalId: identity.outputs.principalId
    userPrincipalId: principalId
    audioContainerName: audioContainerName
  }
  // Its targets are named, not referenced, so Bicep infers no order: state it.
  dependsOn: [storage, keyVault, monitoring]
}

module eventGrid 'app/event-grid.bicep' = if (createEventGridTopic) {
  scope: rg
  params: {
    name: names.eventGridTopic
    location: location
    tags: tags
    identityPrincipalId: identity.outputs.principalId
  }
}

var useOpenAi = createOpenAi || !empty(openAiAccountName)

module openAi 'app/openai.bicep' = if (useOpenAi) {
  scope: resourceGroup(createOpenAi || empty(openAiResourceGroupName) ? rg.name : openAiResourceGroupName)
  params: {
    accountName: names.openAi
    create: createOpenAi
    location: location
    tags: tags
    identityPrincipalId: identity.outputs.principalId
    deploymentName: openAiDeployment
    modelName: openAiModel
    modelVersion: openAiModelVersion
    capacity: openAiCapacity
  }
}

module functionApp 'app/function-app.bicep' = {
  scope: rg
  params: {
    name: names.functionApp
    planName: names.plan
    location: location
    tags: tags
    serviceName: 'api'
    identityId: identity.outputs.id
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    nodeVersion: nodeVersion
    alwaysReady: [
      { name: 'http', instanceCount: httpAlwaysReadyInstances }
      { name: 'function:outbound', instanceCount: outboundAlwaysReadyInstances }
    ]
    virtualNetworkSubnetId: privateNetworking ? network!.outputs.appSubnetId : ''
  }
  // The host starts as soon as the app exists; give its identity its storage roles, and storage its private
  // endpoints, first.
  dependsOn: [rbac, privateEndpoints]
}

module diagnostics 'app/diagnostics.bicep' = {
  scope: rg
  params: {
    keyVaultName: names.keyVault
    logAnalyticsName: names.logAnalytics
  }
  dependsOn: [keyVault, monitoring]
}

module workbook 'app/workbook.bicep' = {
  scope: rg
  params: {
    name: 'Twilio on Azure Functions (${environmentName})'
    location: location
    tags: tags
    logAnalyticsName: names.logAnalytics
  }
  dependsOn: [monitoring]
}

var webhookBase = empty(webhookBaseUrlOverride) ? functionApp.outputs.url : webhookBaseUrlOverride

module appSettings 'app/app-settings.bicep' = {
  scope: rg
  params: {
    functionAppName: names.functionApp
    appSettings: {
      // Host storage through the managed identity: no connection string, no account key.
      AzureWebJobsStorage__credential: 'managedidentity'
      AzureWebJobsStorage__clientId: identity.outputs.clientId
      AzureWebJobsStorage__blobServiceUri: storage.outputs.blobEndpoint
      AzureWebJobsStorage__queueServiceUri: storage.outputs.queueEndpoint
      AzureWebJobsStorage__tableServiceUri: storage.outputs.tableEndpoint
      AZURE_CLIENT_ID: identity.outputs.clientId
      APPLICATIONINSIGHTS_CONNECTION_STRING: monitoring.outputs.applicationInsightsConnectionString
      APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identity.outputs.clientId};Authorization=AAD'
      // The Twilio credentials are read from here at run time; they are never app settings.
      KEY_VAULT_URL: keyVault.outputs.uri
      SECRETS_CACHE_TTL_SECONDS: string(secretsCacheTtlSeconds)
      OUTBOUND_QUEUE: outboundQueueName
      OUTBOUND_LEDGER: outboundLedgerTableName
      OPTOUT_TABLE: optOutTableName
      ACTIVITY_TABLE: activityTableName
      ASSISTANT_TABLE: assistantTableName
      EVENT_STREAMS_TABLE: eventStreamsTableName
      EVENT_STREAMS_OVERSIZED_CONTAINER: eventStreamsOversizedContainerName
      RECORDINGS_QUEUE: recordingsQueueName
      RECORDINGS_CONTAINER: recordingsContainerName
      RECORDING_LINK_DAYS: string(recordingLinkDays)
      RECORDINGS_DELETE_FROM_TWILIO: string(recordingsDeleteFromTwilio)
      EVENTS_QUEUE: eventsQueueName
      EVENT_GRID_TOPIC_ENDPOINT: createEventGridTopic ? eventGrid!.outputs.endpoint : ''
      WEBHOOK_BASE_URL: webhookBase
      TWILIO_FROM_NUMBER: twilioFromNumber
      TWILIO_MESSAGING_SERVICE_SID: twilioMessagingServiceSid
      VOICE_GREETING: voiceGreeting
      VOICE_MODE: voiceMode
      VOICE_HOURS: voiceHours
      VOICE_TIMEZONE: voiceTimezone
      VOICE_HOLIDAYS: voiceHolidays
      VOICE_CLOSED_MODE: voiceClosedMode
      VOICE_CLOSED_GREETING: voiceClosedGreeting
      VOICE_BLOCKLIST: voiceBlocklist
      VOICE_REJECT_ANONYMOUS: voiceRejectAnonymous
      VOICE_QUEUE: voiceQueue
      VOICE_QUEUE_MAX_WAIT: voiceQueueMaxWait
      VOICE_HOLD_MUSIC: voiceHoldMusic
      AUDIO_CONTAINER: audioContainerName
      VOICE_FORWARD_TO: voiceForwardTo
      VOICE_MENU_OPTIONS: voiceMenuOptions
      VOICEMAIL_NOTIFY: voicemailNotify
      SMS_AUTO_REPLY: smsAutoReply
      SMS_FORWARD_TO: smsForwardTo
      SMS_AUTO_REPLY_LIMIT: smsAutoReplyLimit
      AUTO_REPLY_TABLE: autoReplyTableName
      OUTBOUND_ALLOWED_COUNTRIES: outboundAllowedCountries
      VOICE_CLIENT_IDENTITIES: voiceClientIdentities
      TWILIO_TWIML_APP_SID: twilioTwimlAppSid
      CLIENT_TOKEN_TTL_SECONDS: string(clientTokenTtlSeconds)
      CLIENT_DIAL_ALLOWED: clientDialAllowed
      CLIENT_ALLOWED_GROUPS: clientAllowedGroups
      AZURE_OPENAI_ENDPOINT: useOpenAi ? openAi!.outputs.endpoint : ''
      AZURE_OPENAI_DEPLOYMENT: useOpenAi ? openAiDeployment : ''
      ASSISTANT_INSTRUCTIONS: assistantInstructions
      ASSISTANT_VOICE: assistantVoice
      ASSISTANT_LANGUAGE: assistantLanguage
      // The outbound function's share of Twilio's concurrency (see outboundPerInstance above), as the host's own
      // overrides of host.json, which keeps its local defaults.
      TWILIO_MAX_CONCURRENCY: string(twilioMaxConcurrency)
      OUTBOUND_MAX_INSTANCES: string(outboundInstanceLimit)
      AzureFunctionsJobHost__extensions__queues__batchSize: string(queueBatchSize)
      AzureFunctionsJobHost__extensions__queues__newBatchThreshold: string(queueNewBatchThreshold)
    }
  }
}

// The routes of shared/platform/routes.ts that stay anonymous: all but the browser phone's (SIGNED_IN_ROUTES).
// test/infra/template.test.ts holds this list to ROUTES.
var anonymousPaths = [
  '/api/voice'
  '/api/sms'
  '/api/status'
  '/api/message'
  '/api/forward'
  '/api/menu'
  '/api/whisper'
  '/api/callme'
  '/api/simulring'
  '/api/findme'
  '/api/voicemail'
  '/api/conference'
  '/api/echo'
  '/api/queue'
  '/api/client-voice'
  '/api/audio/*'
  '/api/twilio-alerts'
  '/api/recordings/*'
  '/api/outbound'
  '/api/outbound/*'
  '/api/outbound/batch'
  '/api/optouts'
  '/api/optouts/*'
  '/api/assistant'
  '/api/event-streams'
]

module authentication 'app/authentication.bicep' = if (!empty(entraClientId)) {
  scope: rg
  params: {
    functionAppName: names.functionApp
    clientId: entraClientId
    excludedPaths: anonymousPaths
  }
  dependsOn: [appSettings]
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output AZURE_FUNCTION_APP_URL string = functionApp.outputs.url
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_KEY_VAULT_URL string = keyVault.outputs.uri
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_STORAGE_QUEUE_ENDPOINT string = storage.outputs.queueEndpoint
output AZURE_STORAGE_TABLE_ENDPOINT string = storage.outputs.tableEndpoint
output OUTBOUND_QUEUE string = outboundQueueName
output OUTBOUND_LEDGER string = outboundLedgerTableName
output EVENTS_QUEUE string = eventsQueueName
output EVENT_GRID_TOPIC_NAME string = createEventGridTopic ? names.eventGridTopic : ''
// Read by the postprovision hook (scripts/wait-for-roles.mjs): with private networking it cannot probe the roles.
output AZURE_PRIVATE_NETWORKING bool = privateNetworking

// Paste these into the Twilio console (Phone Numbers > your number, and Messaging status callbacks).
output TWILIO_VOICE_WEBHOOK_URL string = '${webhookBase}/api/voice'
output TWILIO_SMS_WEBHOOK_URL string = '${webhookBase}/api/sms'
output TWILIO_STATUS_CALLBACK_URL string = '${webhookBase}/api/status'
output TWILIO_MESSAGE_TWIMLET_URL string = '${webhookBase}/api/message'
// Browser calling: the TwiML App's Voice Request URL, and the page to open.
output TWILIO_CLIENT_VOICE_URL string = '${webhookBase}/api/client-voice'
output PHONE_PAGE_URL string = '${webhookBase}/api/phone'
