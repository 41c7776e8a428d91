// A loopback stand-in for the App Service / Functions managed identity endpoint (IDENTITY_ENDPOINT and
// IDENTITY_HEADER), speaking the protocol @azure/identity's ManagedIdentityCredential uses there (through
// MSAL's AppService source): GET {IDENTITY_ENDPOINT}?api-version=2019-08-01&resource=...[&client_id=...] with
// the header X-IDENTITY-HEADER, answered with JSON access_token, expires_on (epoch seconds, as a string),
// resource, token_type and client_id. It issues opaque random tokens and remembers what each was issued for.
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TokenRequest {
  apiVersion: string | null;
  resource: string | null;
  clientId: string | null;
  status: number;
}

export interface ManagedIdentityEndpoint {
  /** Values for the app's environment: IDENTITY_ENDPOINT and IDENTITY_HEADER. */
  env: { IDENTITY_ENDPOINT: string; IDENTITY_HEADER: string };
  requests: TokenRequest[];
  /** The identity a token was issued to, when it was issued by this endpoint for that resource. */
  tokenIdentity(token: string, resource: string): string | undefined;
  stop(): Promise<void>;
}

export async function startManagedIdentityEndpoint(options: { clientId?: string } = {}): Promise<ManagedIdentityEndpoint> {
  const identityHeader = randomUUID();
  const systemAssignedId = randomUUID();
  const issued = new Map<string, { resource: string; clientId: string }>();
  const requests: TokenRequest[] = [];

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const apiVersion = url.searchParams.get('api-version');
    const resource = url.searchParams.get('resource');
    const clientId = url.searchParams.get('client_id');
    const answer = (status: number, body: unknown) => {
      requests.push({ apiVersion, resource, clientId, status });
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (req.method !== 'GET' || url.pathname !== '/msi/token') return answer(404, { statusCode: 404, message: 'Not found' });
    if (req.headers['x-identity-header'] !== identityHeader)
      return answer(401, { statusCode: 401, message: 'X-IDENTITY-HEADER is missing or wrong' });
    if (apiVersion !== '2019-08-01') return answer(400, { statusCode: 400, message: `Unsupported api-version ${apiVersion}` });
    if (!resource) return answer(400, { statusCode: 400, message: 'resource is required' });
    if (clientId && options.clientId && clientId !== options.clientId) {
      return answer(400, { statusCode: 400, message: `No user-assigned identity with client_id ${clientId} is assigned to this app` });
    }
    const token = randomBytes(24).toString('base64url');
    const identity = clientId ?? systemAssignedId;
    issued.set(token, { resource, clientId: identity });
    answer(200, {
      access_token: token,
      expires_on: String(Math.floor(Date.now() / 1000) + 3600),
      resource,
      token_type: 'Bearer',
      client_id: identity,
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    env: { IDENTITY_ENDPOINT: `http://127.0.0.1:${port}/msi/token`, IDENTITY_HEADER: identityHeader },
    requests,
    tokenIdentity(token, resource) {
      const grant = issued.get(token);
      return grant && grant.resource === resource ? grant.clientId : undefined;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
