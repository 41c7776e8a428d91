// The virtual network for privateNetworking: one subnet the Function App joins (delegated to
// Microsoft.App/environments, as Flex Consumption requires) and one for the private endpoints of storage and
// Key Vault. Address ranges follow Microsoft's Flex Consumption quickstart.
param name string
param location string
param tags object

resource vnet 'Microsoft.Network/virtualNetworks@2024-05-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    addressSpace: { addressPrefixes: ['10.0.0.0/16'] }
    subnets: [
      {
        name: 'private-endpoints'
        properties: {
          addressPrefix: '10.0.1.0/24'
          privateEndpointNetworkPolicies: 'Disabled'
        }
      }
      {
        name: 'app'
        properties: {
          addressPrefix: '10.0.2.0/24'
          delegations: [
            {
              name: 'flex-consumption'
              properties: { serviceName: 'Microsoft.App/environments' }
            }
          ]
        }
      }
    ]
  }

  resource privateEndpointSubnet 'subnets' existing = {
    name: 'private-endpoints'
  }

  resource appSubnet 'subnets' existing = {
    name: 'app'
  }
}

output id string = vnet.id
output privateEndpointSubnetId string = vnet::privateEndpointSubnet.id
output appSubnetId string = vnet::appSubnet.id
