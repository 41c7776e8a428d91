// The Azure Monitor workbook "Twilio on Azure Functions" (docs/dashboard.md): its queries read the Log Analytics
// workspace, where Application Insights stores the app's log lines (AppTraces) and requests (AppRequests) and Key
// Vault its audit log (AzureDiagnostics). The queries live in dashboard.workbook.json, which the tests parse.
param name string
param location string
param tags object
param logAnalyticsName string

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' existing = {
  name: logAnalyticsName
}

resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  // A workbook's name must be a GUID; this one is the same on every deployment of this app.
  name: guid(workspace.id, name)
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: name
    category: 'workbook'
    sourceId: workspace.id
    serializedData: string(union(loadJsonContent('dashboard.workbook.json'), { fallbackResourceIds: [workspace.id] }))
  }
}

output id string = workbook.id
