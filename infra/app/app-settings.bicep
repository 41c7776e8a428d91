// The Function App's application settings. A separate step from creating the app because the default
// WEBHOOK_BASE_URL is the app's own URL, known only once the app exists. Replaces all app settings.
param functionAppName string

@description('Every app setting, by name. Built in main.bicep from shared/settings.ts SETTINGS.')
param appSettings object

resource site 'Microsoft.Web/sites@2025-03-01' existing = {
  name: functionAppName
}

resource settings 'Microsoft.Web/sites/config@2025-03-01' = {
  parent: site
  name: 'appsettings'
  properties: appSettings
}
