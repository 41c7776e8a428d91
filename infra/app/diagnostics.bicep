// Sends Key Vault's audit log (every secret read, set or refused) to the Log Analytics workspace, next to
// Application Insights' telemetry. The Function App's own logs need no diagnostic setting: the host sends them to
// Application Insights, which stores them in that same workspace (AppTraces, AppRequests); a FunctionAppLogs
// setting would ingest, and bill, every line a second time.
param keyVaultName string
param logAnalyticsName string

resource vault 'Microsoft.KeyVault/vaults@2024-11-01' existing = {
  name: keyVaultName
}

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' existing = {
  name: logAnalyticsName
}

resource vaultAudit 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'audit-to-log-analytics'
  scope: vault
  properties: {
    workspaceId: workspace.id
    logs: [{ categoryGroup: 'audit', enabled: true }]
  }
}
