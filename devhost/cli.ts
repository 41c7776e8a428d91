// npm start and the local host's command line (USAGE below).
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseToolArgs, runTool, UsageError } from '../scripts/toolCli';
import { loadApp } from './core';
import { startHostSampler } from './hostSampler';
import { startLocalHost, type LocalHost } from './host';
import { useLocalSettings } from './localSettings';
import {
  assistantStandInSettings,
  freePort,
  isListening,
  offlineMockSettings,
  OFFLINE_MOCK_PORT,
  startAzurite,
  startPrism,
  usesAssistantStandIn,
  usesOfflineMock,
  type RunningService,
} from './services';
import { startChatCompletionsStandIn, STAND_IN_WORDS } from './chatCompletionsStandIn';
import { startTwilioMock } from './twilioMock';

const appRoot = process.env.DEVHOST_APP_ROOT || join(__dirname, '..');
const DEFAULT_PORT = 7071;
const AZURITE_PORTS = { blobPort: 10000, queuePort: 10001, tablePort: 10002 };

export const USAGE = `Usage:
  npm start                                  (node build/devhost.js start [--port N] [--mock-port N])
  node build/devhost.js <start|serve|functions> [--port N] [--mock-port N]

Commands:
  start       Azurite, the offline Twilio mock when no Twilio credentials are set, then \`func start\` when func is
              installed, else this local host (the default command)
  serve       this local host only, on the current settings (tests and benchmarks use it)
  functions   print what the app registers, as JSON

Options:
  --port N        the app's port (default: local.settings.json Host.LocalHttpPort, else 7071)
  --mock-port N   the offline Twilio mock's port (default 4010)

Settings come from local.settings.json (created from local.settings.sample.json when missing) under the environment.`;

const OPTIONS = { port: { type: 'string' }, 'mock-port': { type: 'string' } } as const;
let options: { port?: string; 'mock-port'?: string } = {};

function option(name: keyof typeof OPTIONS): string | undefined {
  return options[name];
}

function portOption(name: keyof typeof OPTIONS): number | undefined {
  const value = option(name);
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--${name} takes a port number (0-65535), got "${value}"`);
  return port;
}

function hasFunc(): boolean {
  if (process.env.DEVHOST_IGNORE_FUNC === '1') return false;
  return spawnSync(process.platform === 'win32' ? 'where' : 'which', ['func'], { stdio: 'ignore' }).status === 0;
}

function loadSettings(): number | undefined {
  // Tests describe their whole environment and must not pick up a developer's local.settings.json.
  if (process.env.DEVHOST_SKIP_LOCAL_SETTINGS === '1') return undefined;
  return useLocalSettings(appRoot).localHttpPort;
}

function banner(lines: string[]): void {
  const width = Math.max(...lines.map((l) => l.length)) + 4;
  console.log(`\n${'*'.repeat(width)}\n${lines.map((l) => `* ${l.padEnd(width - 4)} *`).join('\n')}\n${'*'.repeat(width)}\n`);
}

/** Says why `npm start` cannot go on, and stops with exit code 1, before anything was started. */
class StartRefused extends Error {}

/** A second `npm start` (or anything else) on a port this one needs: say so before starting anything. */
async function ensureFree(port: number, what: string, option: string): Promise<void> {
  if (!(await isListening(port))) return;
  throw new StartRefused(
    `Port ${port} is already in use, so ${what} cannot listen on it. The app is probably already running ` +
      `(another \`npm start\` or \`func start\`) at http://localhost:${port}: stop it first (Ctrl+C in its terminal), ` +
      `or start this one elsewhere with ${option} <port>.`,
  );
}

/** How long an interrupted `npm start` waits for work in flight before it exits anyway. */
const SHUTDOWN_GRACE_MS = 5000;

function onInterrupt(stop: () => Promise<void>): void {
  let stopping = false;
  const shutdown = () => {
    if (stopping) process.exit(130); // a second Ctrl+C: now
    stopping = true;
    console.log('Stopping (press Ctrl+C again to stop at once)...');
    const forced = setTimeout(() => {
      console.log(`Still busy after ${SHUTDOWN_GRACE_MS / 1000} s; exiting anyway.`);
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    forced.unref();
    stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', shutdown).on('SIGTERM', shutdown);
}

async function start(): Promise<void> {
  const [portGiven, mockPortGiven] = [portOption('port'), portOption('mock-port')];
  const local = useLocalSettings(appRoot, (line) => console.log(line));
  const port = portGiven ?? local.localHttpPort ?? DEFAULT_PORT;
  const offline = usesOfflineMock(process.env);
  const mockPort = mockPortGiven ?? OFFLINE_MOCK_PORT;
  // Before anything starts or prints a banner: a second `npm start` finds the first one's ports taken.
  await ensureFree(port, 'the app', '--port');
  if (offline) await ensureFree(mockPort, 'the offline Twilio mock', '--mock-port');

  const services: Array<Pick<RunningService, 'stop'>> = [];
  const stopAll = async () => {
    await Promise.all(services.map((s) => s.stop()));
  };

  if (process.env.AzureWebJobsStorage === 'UseDevelopmentStorage=true') {
    if (await isListening(AZURITE_PORTS.queuePort)) {
      console.log('Azurite (or another storage emulator) is already listening on 10001; using it.');
    } else {
      const location = join(appRoot, '.azurite');
      mkdirSync(location, { recursive: true });
      services.push(await startAzurite({ ...AZURITE_PORTS, location }));
      console.log(`Azurite started (data in ${location}).`);
    }
  }

  if (offline) {
    const logFile = join(appRoot, 'twilio-mock.log');
    const log = (line: string) => {
      console.log(`[twilio mock] ${line}`);
      appendFileSync(logFile, `${new Date().toISOString()} [twilio mock] ${line}\n`);
    };
    const prism = await startPrism({ port: await freePort(), logFile });
    services.push(prism);
    const { values, notes } = offlineMockSettings(process.env, port);
    const mock = await startTwilioMock(prism.url, { port: mockPort, log, statusCallbacks: { authToken: values.TWILIO_AUTH_TOKEN } });
    services.push(mock);
    Object.assign(process.env, values, { TWILIO_API_BASE_URL: mock.url });
    banner([
      'OFFLINE TWILIO MOCK: no Twilio credentials are configured.',
      `REST calls go to ${mock.url}: Stoplight Prism serving Twilio's`,
      'OpenAPI spec (API v2010) with test credentials. Nothing is really sent.',
      'Each create gets its own SID and its status callbacks (sent, delivered),',
      "as on a live account; Twilio's test numbers fail as with test credentials.",
      'Refusals (4xx) are logged with the reason.',
      `Prism's own output: ${logFile}`,
      ...notes,
      'Set TWILIO_ACCOUNT_SID/TWILIO_AUTH_TOKEN (or KEY_VAULT_URL) for real Twilio.',
    ]);
  } else if (process.env.TWILIO_API_BASE_URL) {
    console.log(`Twilio REST calls go to TWILIO_API_BASE_URL=${process.env.TWILIO_API_BASE_URL}`);
  }

  if (usesAssistantStandIn(process.env)) {
    const standIn = await startChatCompletionsStandIn();
    services.push(standIn);
    Object.assign(process.env, assistantStandInSettings(process.env, standIn.url));
    banner([
      'LOCAL STAND-IN FOR AZURE OPENAI: the assistant is on and AZURE_OPENAI_ENDPOINT is not set.',
      `Chat completions go to ${standIn.url}: scripted replies, no model.`,
      `To the assistant (npm run simulate -- speech --speech "..." --turn N),`,
      `${STAND_IN_WORDS}.`,
      'Set AZURE_OPENAI_ENDPOINT and AZURE_OPENAI_DEPLOYMENT for a real model.',
    ]);
  }

  if (hasFunc()) {
    console.log('Starting Azure Functions Core Tools (func start)...');
    const func = spawn('func', ['start', '--port', String(port)], {
      stdio: 'inherit',
      env: process.env,
      cwd: appRoot,
    });
    const shutdown = () => func.kill('SIGINT');
    process.once('SIGINT', shutdown).once('SIGTERM', shutdown);
    func.once('exit', async (code) => {
      await stopAll();
      process.exit(code ?? 0);
    });
    return;
  }

  console.log("Azure Functions Core Tools (func) not found; using the project's local host.");
  let host: LocalHost;
  try {
    host = await startLocalHost({ appRoot, port, hostname: 'localhost' });
  } catch (error) {
    await stopAll();
    throw error;
  }
  onInterrupt(async () => {
    await host.stop();
    await stopAll();
  });
}

async function serve(): Promise<void> {
  const portGiven = portOption('port');
  const localPort = loadSettings();
  // DEVHOST_QUEUE_LEASE_SECONDS: tests that kill the host shorten the 10-minute lease a dead host leaves behind.
  const queueLeaseSeconds = Number(process.env.DEVHOST_QUEUE_LEASE_SECONDS) || undefined;
  const host = await startLocalHost({
    appRoot,
    port: portGiven ?? Number(process.env.DEVHOST_PORT ?? localPort ?? DEFAULT_PORT),
    queueLeaseSeconds,
  });
  const stopSampler = startHostSampler();
  const shutdown = async () => {
    stopSampler?.();
    await host.stop();
    process.exit(0);
  };
  process.once('SIGINT', shutdown).once('SIGTERM', shutdown);
}

async function functions(): Promise<void> {
  loadSettings();
  const registry = await loadApp(appRoot, () => undefined);
  console.log(
    JSON.stringify(
      registry.functions.map((f) => f.metadata),
      null,
      2,
    ),
  );
}

const commands: Record<string, () => void | Promise<void>> = { start, serve, functions };

/** Resolves when the command is up: start and serve keep running (the exit code is never used), functions exits 0. */
const RUNNING = new Promise<number>(() => undefined);

void runTool({
  usage: USAGE,
  main: async (args) => {
    const { values, positionals } = parseToolArgs(args, OPTIONS, true);
    options = values;
    const [name = 'start', ...extra] = positionals;
    const command = commands[name];
    if (!command) throw new UsageError(`Unknown command "${name}": use one of ${Object.keys(commands).join(', ')}.`);
    if (extra.length) throw new UsageError(`Unexpected argument: ${extra.join(' ')}`);
    await command();
    return name === 'functions' ? 0 : RUNNING;
  },
});
