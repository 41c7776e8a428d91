// Local stand-ins the app talks to, started from npm packages: Azurite (storage) and Stoplight Prism
// serving Twilio's OpenAPI specs for API v2010 and Events v1. Used by `npm start`, the tests and the benchmarks.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface RunningService {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function isListening(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function waitForPort(port: number, timeoutMs: number, child?: ChildProcess, what = `port ${port}`): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode} before listening`);
    if (await isListening(port)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not listen on ${port} within ${timeoutMs} ms`);
}

function stopper(child: ChildProcess): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 3000).unref();
    });
}

function packageBin(pkg: string, relative: string): string {
  return join(dirname(require.resolve(`${pkg}/package.json`)), relative);
}

export interface AzuriteOptions {
  /** Folder for Azurite's data; omit to keep everything in memory. */
  location?: string;
  blobPort?: number;
  queuePort?: number;
  tablePort?: number;
  stdio?: 'ignore' | 'inherit';
}

export interface RunningAzurite extends RunningService {
  connectionString: string;
}

export const AZURITE_ACCOUNT = 'devstoreaccount1';
// Azurite's well-known development key: public, documented, and only accepted by the emulator.
export const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export function azuriteConnectionString(blobPort: number, queuePort: number, tablePort: number): string {
  const base = `http://127.0.0.1`;
  return [
    'DefaultEndpointsProtocol=http',
    `AccountName=${AZURITE_ACCOUNT}`,
    `AccountKey=${AZURITE_KEY}`,
    `BlobEndpoint=${base}:${blobPort}/${AZURITE_ACCOUNT}`,
    `QueueEndpoint=${base}:${queuePort}/${AZURITE_ACCOUNT}`,
    `TableEndpoint=${base}:${tablePort}/${AZURITE_ACCOUNT}`,
  ].join(';');
}

export async function startAzurite(options: AzuriteOptions = {}): Promise<RunningAzurite> {
  const blobPort = options.blobPort ?? (await freePort());
  const queuePort = options.queuePort ?? (await freePort());
  const tablePort = options.tablePort ?? (await freePort());
  const args = [
    packageBin('azurite', 'dist/src/azurite.js'),
    '--silent',
    '--skipApiVersionCheck',
    '--loose',
    '--disableTelemetry', // no traffic off this machine
    '--blobHost',
    '127.0.0.1',
    '--blobPort',
    String(blobPort),
    '--queueHost',
    '127.0.0.1',
    '--queuePort',
    String(queuePort),
    '--tableHost',
    '127.0.0.1',
    '--tablePort',
    String(tablePort),
    ...(options.location ? ['--location', options.location] : ['--inMemoryPersistence']),
  ];
  const child = spawn(process.execPath, args, { stdio: options.stdio ?? 'ignore' });
  await Promise.all([blobPort, queuePort, tablePort].map((p) => waitForPort(p, 60_000, child, 'Azurite')));
  return {
    url: `http://127.0.0.1:${queuePort}`,
    connectionString: azuriteConnectionString(blobPort, queuePort, tablePort),
    process: child,
    stop: stopper(child),
  };
}

/**
 * Twilio's official OpenAPI specs, which the offline mock (Prism) serves. No npm package publishes them on their own
 * (twilio-oai is a GitHub repository); @twilio-alpha/mcp, Twilio's MCP server, bundles them, and is a devDependency
 * for this file only. Pinned to an exact version: an alpha may move or drop these paths in any release.
 */
function twilioSpec(name: string): OpenApiDocument {
  return JSON.parse(readFileSync(packageBin('@twilio-alpha/mcp', `twilio-oai/spec/json/${name}.json`), 'utf8')) as OpenApiDocument;
}

interface OpenApiDocument {
  paths: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: FormSchema; encoding?: unknown }> } }>>;
  components: Record<string, Record<string, unknown>>;
}

interface FormSchema {
  properties?: Record<string, { type?: string }>;
}

/**
 * API v2010 (api.twilio.com) and Events v1 (events.twilio.com) as one document: Prism serves one, and the app's
 * client sends both hosts to one base URL (TWILIO_API_BASE_URL). Their paths (/2010-04-01/..., /v1/...) and
 * component names do not collide. Events v1's array form parameters (a subscription's Types) get an encoding Prism
 * can read: without one Prism keeps only the last of a repeated key and refuses the array; with this one it splits
 * one comma-joined value, which is how the mock's layer passes them on (devhost/twilioMock.ts).
 */
export function offlineTwilioSpec(): OpenApiDocument {
  const api = twilioSpec('twilio_api_v2010');
  const events = twilioSpec('twilio_events_v1');
  for (const operations of Object.values(events.paths))
    for (const operation of Object.values(operations)) {
      const form = operation.requestBody?.content?.['application/x-www-form-urlencoded'];
      const arrays = Object.entries(form?.schema?.properties ?? {}).filter(([, property]) => property.type === 'array');
      if (form && arrays.length) form.encoding = Object.fromEntries(arrays.map(([name]) => [name, { style: 'form', explode: false }]));
    }
  const components = { ...api.components };
  for (const [kind, entries] of Object.entries(events.components)) components[kind] = { ...entries, ...components[kind] };
  return { ...api, paths: { ...api.paths, ...events.paths }, components };
}

/** The merged spec as a file Prism can read, named by its content: written once, and concurrent starts are safe. */
export function offlineTwilioSpecPath(): string {
  const text = JSON.stringify(offlineTwilioSpec());
  const path = join(tmpdir(), `twilio-offline-spec-${createHash('sha256').update(text).digest('hex').slice(0, 16)}.json`);
  if (!existsSync(path)) {
    const partial = `${path}.${process.pid}`;
    writeFileSync(partial, text);
    renameSync(partial, path);
  }
  return path;
}

export interface PrismOptions {
  port?: number;
  stdio?: 'ignore' | 'inherit';
  /** Appends Prism's output (every request, and why it refused one) to this file instead. */
  logFile?: string;
}

/** Prism validates each request against the spec (422 when it is not allowed) and answers with the spec's examples. */
export async function startPrism(options: PrismOptions = {}): Promise<RunningService> {
  const port = options.port ?? (await freePort());
  const log = options.logFile ? openSync(options.logFile, 'a') : undefined;
  const child = spawn(
    process.execPath,
    [packageBin('@stoplight/prism-cli', 'dist/index.js'), 'mock', '--host', '127.0.0.1', '--port', String(port), offlineTwilioSpecPath()],
    { stdio: log !== undefined ? ['ignore', log, log] : (options.stdio ?? 'ignore') },
  );
  if (log !== undefined) closeSync(log); // the child has its own copy
  await waitForPort(port, 60_000, child, 'Prism');
  return { url: `http://127.0.0.1:${port}`, process: child, stop: stopper(child) };
}

/** Test credentials for the offline mock: well-formed, and accepted by nothing but the mock. */
export const MOCK_TWILIO_CREDENTIALS = {
  TWILIO_ACCOUNT_SID: 'AC00000000000000000000000000000000',
  TWILIO_AUTH_TOKEN: 'offline-mock-auth-token',
  TWILIO_FROM_NUMBER: '+15005550006',
} as const;

type Env = Record<string, string | undefined>;

/** Where `npm start` runs the offline mock unless --mock-port says otherwise. */
export const OFFLINE_MOCK_PORT = 4010;

/**
 * For a tool run without Twilio credentials (doctor, event-streams): the settings `npm start` gives the app for its
 * offline mock, pointed at the mock listening on `mockPort`, applied to `env`. Returns the mock's URL, or undefined
 * when there are credentials and nothing was changed.
 */
export function useRunningOfflineMock(env: Env, mockPort: number, appPort?: number): string | undefined {
  if (!usesOfflineMock(env)) return undefined;
  const url = `http://127.0.0.1:${mockPort}`;
  Object.assign(env, offlineMockSettings(env, appPort).values, { TWILIO_API_BASE_URL: url });
  return url;
}

/** Whether `npm start` runs the offline mock for these settings: no Twilio credentials and no TWILIO_API_BASE_URL. */
export function usesOfflineMock(env: Env): boolean {
  const hasRealCredentials = Boolean(env.KEY_VAULT_URL || (env.TWILIO_ACCOUNT_SID && env.TWILIO_AUTH_TOKEN));
  return !env.TWILIO_API_BASE_URL && !hasRealCredentials;
}

/**
 * The settings the offline mock runs the app with, and what the banner should say about them. The test credentials
 * replace any half-set pair (a SID without its token cannot be used); the user's TWILIO_FROM_NUMBER is kept. Unless
 * set, WEBHOOK_BASE_URL is the local host's own URL (`appPort`): the mock posts status callbacks there, and a call
 * whose url is a path of this app can be placed. `npm run send` and `npm run doctor` apply the same, so they check
 * a message against what the app will really use.
 */
export function offlineMockSettings(env: Env, appPort = 7071): { values: Record<string, string>; notes: string[] } {
  const notes: string[] = [];
  const replaced = (['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN'] as const).filter((name) => env[name]);
  if (replaced.length) notes.push(`${replaced.join(' and ')} set without its pair: the mock's test credentials are used instead.`);
  const from = env.TWILIO_FROM_NUMBER;
  notes.push(
    from
      ? 'Default sender: your TWILIO_FROM_NUMBER (kept).'
      : `Default sender: the mock's test number ${MOCK_TWILIO_CREDENTIALS.TWILIO_FROM_NUMBER} (TWILIO_FROM_NUMBER is not set).`,
  );
  const webhookBaseUrl = env.WEBHOOK_BASE_URL || `http://localhost:${appPort}`;
  if (!env.WEBHOOK_BASE_URL) notes.push(`WEBHOOK_BASE_URL: ${webhookBaseUrl} (not set: the local host, where the mock posts callbacks).`);
  return {
    values: {
      ...MOCK_TWILIO_CREDENTIALS,
      TWILIO_FROM_NUMBER: from || MOCK_TWILIO_CREDENTIALS.TWILIO_FROM_NUMBER,
      WEBHOOK_BASE_URL: webhookBaseUrl,
    },
    notes,
  };
}

/** Whether `npm start` runs the chat-completions stand-in: the assistant is a voice mode and no endpoint is set. */
export function usesAssistantStandIn(env: Env): boolean {
  const assistant = [env.VOICE_MODE, env.VOICE_CLOSED_MODE].some((mode) => mode?.trim().toLowerCase() === 'assistant');
  return assistant && !env.AZURE_OPENAI_ENDPOINT?.trim();
}

/** The settings the app runs with against the stand-in at `url` (a key setting: Development only, as the host is). */
export function assistantStandInSettings(env: Env, url: string): Record<string, string> {
  return {
    AZURE_OPENAI_ENDPOINT: url,
    AZURE_OPENAI_DEPLOYMENT: env.AZURE_OPENAI_DEPLOYMENT?.trim() || 'stand-in',
    AZURE_OPENAI_AUTH: 'key',
    AZURE_OPENAI_API_KEY: 'local-stand-in-key',
    ASSISTANT_INSTRUCTIONS:
      env.ASSISTANT_INSTRUCTIONS?.trim() ||
      'You answer the phone for Example Plumbing, a demo business. We fix leaks; a call-out costs 80 dollars.',
  };
}
