// A loopback HTTPS stand-in for Azure Key Vault's secrets API, enough for @azure/keyvault-secrets'
// SecretClient to run unmodified against it:
// - a request without a valid bearer token gets 401 with the challenge Key Vault sends
//   (WWW-Authenticate: Bearer authorization="https://login.microsoftonline.com/<tenant>", resource="<resource>");
// - GET /secrets/{name}[/{version}]?api-version=... answers {value, id, attributes}, or 404 with Key Vault's
//   SecretNotFound error body; GET /secrets lists the secrets' ids and attributes, never their values;
// - it can be told to refuse (403, Key Vault's RBAC error body) or to drop every connection (a vault that
//   cannot be reached), and it counts what it served.
// The client checks that the vault's host name ends with "." + the challenge resource's host name, so the
// fake is served under a name like kv.vault.azure.test (resolved to loopback by loopbackDns.cjs).
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';

export interface KeyVaultFakeOptions {
  hostname: string;
  /** The challenge resource, e.g. https://vault.azure.test for the host kv.vault.azure.test. */
  resource: string;
  tenantId: string;
  certificate: { key: string; cert: string };
  /** The identity a bearer token stands for, or undefined when this vault should not accept it. */
  authorize(token: string): string | undefined;
}

export interface VaultRequest {
  method: string;
  path: string;
  status: number;
  secretName?: string;
  identity?: string;
}

export type VaultMode = 'up' | 'forbidden' | 'drop-connections';

export interface KeyVaultFake {
  url: string;
  mode: VaultMode;
  requests: VaultRequest[];
  /** Connections dropped in 'drop-connections' mode. */
  droppedConnections: number;
  setSecret(name: string, value: string): void;
  deleteSecret(name: string): void;
  /** Authorized GETs of a secret (answered 200 or 404): what the Key Vault limits and bills count. */
  readsOf(name: string): number;
  stop(): Promise<void>;
}

const SECRET_PATH = /^\/secrets\/([0-9A-Za-z-]+)(?:\/([0-9a-f]*))?\/?$/;

export async function startKeyVaultFake(options: KeyVaultFakeOptions): Promise<KeyVaultFake> {
  const secrets = new Map<string, { value: string; version: string; created: number }>();
  const challenge = `Bearer authorization="https://login.microsoftonline.com/${options.tenantId}", resource="${options.resource}"`;

  const server = createServer({ key: options.certificate.key, cert: options.certificate.cert }, (req, res) => {
    const url = new URL(req.url ?? '/', `https://${options.hostname}`);
    const record: VaultRequest = { method: req.method ?? 'GET', path: url.pathname, status: 0 };
    fake.requests.push(record);
    if (fake.mode === 'drop-connections') {
      fake.droppedConnections++;
      req.socket.destroy();
      return;
    }
    const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      record.status = status;
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers }).end(JSON.stringify(body));
    };
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    record.identity = token ? options.authorize(token) : undefined;
    if (!record.identity) {
      const message = token ? 'AKV10032: Invalid issuer or audience.' : 'AKV10000: Request is missing a Bearer or PoP token.';
      return answer(401, { error: { code: 'Unauthorized', message } }, { 'www-authenticate': challenge });
    }
    if (!url.searchParams.get('api-version'))
      return answer(400, { error: { code: 'BadParameter', message: 'The api-version query parameter is required.' } });
    const forbidden = (action: string) =>
      answer(403, {
        error: {
          code: 'Forbidden',
          message: `Caller is not authorized to perform action on resource.\r\nCaller: appid=${record.identity}\r\nAction: '${action}'\r\nAssignment: (not found)\r\n`,
          innererror: { code: 'ForbiddenByRbac' },
        },
      });
    if (req.method === 'GET' && /^\/secrets\/?$/.test(url.pathname)) {
      if (fake.mode === 'forbidden') return forbidden('Microsoft.KeyVault/vaults/secrets/readMetadata/action');
      const value = [...secrets.entries()].map(([name, secret]) => ({
        id: `${fake.url}/secrets/${name}`,
        attributes: { enabled: true, created: secret.created, updated: secret.created },
      }));
      return answer(200, { value, nextLink: null });
    }
    const match = SECRET_PATH.exec(url.pathname);
    if (req.method !== 'GET' || !match)
      return answer(405, { error: { code: 'BadParameter', message: 'The fake serves GET /secrets and GET /secrets/{name} only.' } });
    const [, name, version] = match;
    record.secretName = name;
    if (fake.mode === 'forbidden') return forbidden('Microsoft.KeyVault/vaults/secrets/getSecret/action');
    const secret = secrets.get(name);
    if (!secret || (version && version !== secret.version)) {
      return answer(404, {
        error: {
          code: 'SecretNotFound',
          message: `A secret with (name/id) ${name} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182`,
        },
      });
    }
    answer(200, {
      value: secret.value,
      id: `${fake.url}/secrets/${name}/${secret.version}`,
      attributes: {
        enabled: true,
        created: secret.created,
        updated: secret.created,
        recoveryLevel: 'Recoverable+Purgeable',
        recoverableDays: 90,
      },
    });
  });
  // A vault that cannot be reached: drop new connections before TLS starts.
  server.prependListener('connection', (socket) => {
    if (fake.mode !== 'drop-connections') return;
    fake.droppedConnections++;
    socket.destroy();
  });
  server.on('tlsClientError', () => undefined);

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const fake: KeyVaultFake = {
    url: `https://${options.hostname}:${port}`,
    mode: 'up',
    requests: [],
    droppedConnections: 0,
    setSecret(name, value) {
      secrets.set(name, { value, version: randomBytes(16).toString('hex'), created: Math.floor(Date.now() / 1000) });
    },
    deleteSecret(name) {
      secrets.delete(name);
    },
    readsOf(name) {
      return fake.requests.filter((r) => r.secretName === name && (r.status === 200 || r.status === 404)).length;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return fake;
}
