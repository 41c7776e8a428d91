// App Service Authentication (Easy Auth) with Microsoft Entra ID for the browser phone: /api/phone, its script
// and /api/token need a signed-in user; every other route is excluded, because Twilio cannot sign in (its
// webhooks are signature-checked instead) and the outbound API keeps its function key. The app trusts the
// X-MS-CLIENT-PRINCIPAL* headers only because this is on (the platform then sets WEBSITE_AUTH_ENABLED=True).
param functionAppName string

@description('Application (client) ID of an existing Entra app registration (ID tokens enabled, redirect URI https://<app>/.auth/login/aad/callback).')
param clientId string

@description('Paths that stay anonymous: every route of the app except the browser phone\'s (shared/platform/routes.ts).')
param excludedPaths array

resource site 'Microsoft.Web/sites@2024-04-01' existing = {
  name: functionAppName
}

resource authentication 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'authsettingsV2'
  properties: {
    platform: {
      enabled: true
    }
    globalValidation: {
      requireAuthentication: true
      unauthenticatedClientAction: 'RedirectToLoginPage'
      redirectToProvider: 'azureactivedirectory'
      excludedPaths: excludedPaths
    }
    httpSettings: {
      requireHttps: true
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: clientId
          // No client secret: sign-in uses the ID token the registration issues (implicit grant of ID tokens).
          openIdIssuer: '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
        }
        validation: {
          allowedAudiences: [clientId, 'api://${clientId}']
        }
      }
    }
    login: {
      // Flex Consumption has no persistent file system for the token store; the session cookie is enough here.
      tokenStore: {
        enabled: false
      }
    }
  }
}
