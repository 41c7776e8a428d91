// Log Analytics and workspace-based Application Insights. Local (instrumentation key) auth is off, so telemetry
// is accepted only from identities holding Monitoring Metrics Publisher.
param logAnalyticsName string
param applicationInsightsName string
param location string
param tags object

@description('Daily ingestion cap in GB (a decimal, e.g. 0.5); empty for none.')
param dailyCapGb string

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: 30
    features: { disableLocalAuth: true }
    // -1 is Log Analytics' "no cap".
    workspaceCapping: { dailyQuotaGb: empty(dailyCapGb) ? -1 : json(dailyCapGb) }
  }
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: applicationInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logAnalytics.id
    DisableLocalAuth: true
  }
}

output logAnalyticsName string = logAnalytics.name
output applicationInsightsName string = applicationInsights.name
// Identifies the resource and its ingestion endpoint; with local auth disabled it grants nothing on its own.
output applicationInsightsConnectionString string = applicationInsights.properties.ConnectionString
