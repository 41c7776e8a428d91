// Outbound throughput: messages per second through the queue function (local host, ledger and opt-out table on
// Azurite) into a fake Twilio, against the raw twilio SDK sending the same number of messages at the same
// concurrency to the same fake. Also: the host process's CPU time per message against the raw SDK's, the storage
// round trips per message (counted by a proxy in front of Azurite), the figures with 50 ms of Twilio latency,
// and what events and guards cost (each on and off).
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { QueueServiceClient } from '@azure/storage-queue';
import { TableClient } from '@azure/data-tables';
import { MOCK_TWILIO_CREDENTIALS, startAzurite, type RunningAzurite } from '../devhost/services';
import { appCopyWithQueues } from '../harness/appCopy';
import { startHost } from '../harness/localHost';
import { startFakeTwilio, type FakeTwilio } from '../harness/fakeTwilio';
import { isMessageWork, startStorageCountingProxies } from '../harness/countingProxy';
import { median } from '../harness/stats';

interface QueueConcurrency {
  batchSize: number;
  newBatchThreshold: number;
}

interface Measured {
  perSecond: number;
  /** The median time between one create and the next (one message at a time: each message's own time), in ms. */
  medianGapMs: number;
  /** The longest time between two creates, in ms. */
  slowestGapMs: number;
  /** CPU time (user + system) per message of the process that sent them. */
  cpuMsPerMessage: number;
  /** Azurite's CPU time per message over the same stretch (the storage side of the round trips). */
  storageCpuMsPerMessage?: number;
  /** Bytes the host and the app printed per message (each line a log record in Azure). */
  logBytesPerMessage?: number;
}

const root = join(__dirname, '..');

/** Creates per second between the first and the last create the fake saw (start-up excluded). */
function rate(fake: FakeTwilio, from: number): number {
  const times = fake.creates.slice(from);
  return (times.length - 1) / ((times[times.length - 1] - times[0]) / 1000);
}

/** The times between consecutive creates: their median, and the longest. */
function gaps(fake: FakeTwilio, from: number): { medianGapMs: number; slowestGapMs: number } {
  const times = fake.creates.slice(from);
  const between = times.slice(1).map((t, i) => t - times[i]);
  return { medianGapMs: median(between), slowestGapMs: Math.max(...between) };
}

const clockTicks = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** A child's CPU time so far (user + system, all its threads; what process.cpuUsage() reports inside it), in ms. */
export function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks;
}

let run = 0;

async function fillQueue(connectionString: string, name: string, count: number, message: (i: number) => object): Promise<void> {
  const queue = QueueServiceClient.fromConnectionString(connectionString).getQueueClient(name);
  await queue.create();
  for (let i = 0; i < count; i += 50)
    await Promise.all(Array.from({ length: Math.min(50, count - i) }, (_, j) => queue.sendMessage(JSON.stringify(message(i + j)))));
}

async function throughQueueFunction(
  azurite: RunningAzurite,
  fake: FakeTwilio,
  concurrency: QueueConcurrency,
  count: number,
  extraEnv: Record<string, string> = {},
  storageConnection = azurite.connectionString,
  cpuProfileDir?: string,
  appDist?: string,
): Promise<Measured> {
  run++;
  const queueName = `bench-outbound-${run}`;
  await fillQueue(azurite.connectionString, queueName, count, (i) => ({
    type: 'sms',
    to: '+15551230000',
    body: `bench ${i}`,
    idempotencyKey: `bench-${run}-${i}`,
  }));
  const app = appCopyWithQueues({ ...concurrency, maxPollingInterval: '00:00:00.1' }, appDist);
  const before = fake.creates.length;
  const host = await startHost(
    {
      AzureWebJobsStorage: storageConnection,
      OUTBOUND_QUEUE: queueName,
      OUTBOUND_LEDGER: `benchledger${run}`,
      TWILIO_API_BASE_URL: fake.url,
      WEBHOOK_BASE_URL: 'https://bench.example.test',
      EVENTS_QUEUE: `bench-events-${run}`,
      ...MOCK_TWILIO_CREDENTIALS,
      ...extraEnv,
    },
    { appRoot: app.root, nodeArgs: cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`] : [] },
  );
  try {
    const pid = host.process.pid!;
    const deadline = Date.now() + 120_000;
    const storagePid = azurite.process.pid!;
    let cpuFrom: { ms: number; storageMs: number; creates: number; logBytes: number } | undefined;
    while (fake.creates.length < before + count) {
      if (Date.now() > deadline) throw new Error(`only ${fake.creates.length - before} of ${count} creates arrived`);
      if (!cpuFrom && fake.creates.length > before)
        cpuFrom = { ms: cpuMsOf(pid), storageMs: cpuMsOf(storagePid), creates: fake.creates.length, logBytes: host.output().length };
      await new Promise((r) => setTimeout(r, 5));
    }
    const messages = fake.creates.length - cpuFrom!.creates;
    return {
      perSecond: rate(fake, before),
      ...gaps(fake, before),
      cpuMsPerMessage: (cpuMsOf(pid) - cpuFrom!.ms) / messages,
      storageCpuMsPerMessage: (cpuMsOf(storagePid) - cpuFrom!.storageMs) / messages,
      logBytesPerMessage: Math.round((host.output().length - cpuFrom!.logBytes) / messages),
    };
  } finally {
    await host.stop();
    app.remove();
  }
}

/** The raw SDK (or the raw SDK with the guarantee's round trips by hand) in a child process: see childRawSdk.ts. */
async function throughRawSdk(
  fake: FakeTwilio,
  concurrency: number,
  count: number,
  ledger?: { azurite: RunningAzurite; features?: boolean },
  cpuProfileDir?: string,
): Promise<Measured> {
  run++;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    ...MOCK_TWILIO_CREDENTIALS,
    BENCH_TWILIO_URL: fake.url,
    BENCH_COUNT: String(count),
    BENCH_CONCURRENCY: String(concurrency),
    BENCH_MODE: ledger?.features ? 'features' : ledger ? 'ledger' : 'sdk',
  };
  if (ledger) {
    const queue = `bench-raw-${run}`;
    await fillQueue(ledger.azurite.connectionString, queue, count, (i) => ({
      to: '+15551230000',
      body: `bench ${i}`,
      key: `raw-${run}-${i}`,
    }));
    Object.assign(env, { BENCH_CONNECTION: ledger.azurite.connectionString, BENCH_QUEUE: queue, BENCH_LEDGER: `benchrawledger${run}` });
  }
  const before = fake.creates.length;
  const profiling = cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`] : [];
  const child = spawn(process.execPath, [...profiling, join(root, 'build', 'bench-raw-sdk.js')], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const status = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (status !== 0) throw new Error(`raw SDK child failed (${status}): ${output}`);
  const { cpuMsPerMessage } = JSON.parse(output.trim().split('\n').pop()!) as { cpuMsPerMessage: number };
  return { perSecond: rate(fake, before), ...gaps(fake, before), cpuMsPerMessage };
}

/** One storage round trip through the Azure SDK (a table read of an existing row), median of many, in ms. */
async function storageRoundTripMs(azurite: RunningAzurite): Promise<number> {
  const table = TableClient.fromConnectionString(azurite.connectionString, 'benchroundtrip', { allowInsecureConnection: true });
  await table.createTable();
  await table.createEntity({ partitionKey: 'p', rowKey: 'r', value: 1 });
  const samples: number[] = [];
  for (let i = 0; i < 200; i++) {
    const started = performance.now();
    await table.getEntity('p', 'r');
    samples.push(performance.now() - started);
  }
  return median(samples.slice(20));
}

/**
 * Storage requests per message, by kind: the queue function at concurrency 1 with its table and queue traffic
 * through counting proxies (timing from this run is not used). Start-up (table and queue creation) and the
 * host's empty polls are left out of the total.
 */
async function roundTripsPerMessage(azurite: RunningAzurite, fake: FakeTwilio, count: number, appDist?: string) {
  const proxies = await startStorageCountingProxies(azurite.connectionString);
  const { queue: queueProxy, table: tableProxy } = proxies;
  try {
    await throughQueueFunction(
      azurite,
      fake,
      { batchSize: 1, newBatchThreshold: 0 },
      count,
      {},
      proxies.connectionString,
      undefined,
      appDist,
    );
    // The last message's writes after its create (its record, re-check, event) finish before the host stops.
    const kinds: Record<string, number> = {};
    let total = 0;
    for (const proxy of [queueProxy, tableProxy])
      for (const [kind, n] of proxy.counts) {
        if (!isMessageWork(kind)) continue;
        kinds[kind] = Math.round((n / count) * 100) / 100;
        total += n;
      }
    const connections = queueProxy.connections() + tableProxy.connections();
    // With one message at a time, requests that overlap run in parallel: the merged intervals are the round trips
    // one after another, the part of the storage cost that adds to each message's latency.
    const timed = [...queueProxy.requests, ...tableProxy.requests].filter((r) => isMessageWork(r.kind)).sort((a, b) => a.start - b.start);
    let sequential = 0;
    let until = -Infinity;
    for (const r of timed) {
      if (r.start >= until) sequential++;
      until = Math.max(until, r.end);
    }
    return {
      messages: count,
      concurrency: 1,
      perMessage: kinds,
      total: round(total / count),
      sequentialPerMessage: round(sequential / count),
      connectionsPerMessage: round(connections / count),
    };
  } finally {
    await proxies.stop();
  }
}

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

/** A feature's cost: the run with it on against the run with it off, in throughput and in host CPU per message. */
function onAgainstOff(on: { perSecond: number; cpuMsPerMessage: number }, off: { perSecond: number; cpuMsPerMessage: number }) {
  return {
    onPerSecond: Math.round(on.perSecond),
    offPerSecond: Math.round(off.perSecond),
    onCpuMsPerMessage: round(on.cpuMsPerMessage, 3),
    offCpuMsPerMessage: round(off.cpuMsPerMessage, 3),
    addedCost: off.perSecond / on.perSecond - 1,
    addedCpu: on.cpuMsPerMessage / off.cpuMsPerMessage - 1,
  };
}

export async function outboundThroughput(quick: boolean) {
  const fake = await startFakeTwilio();
  // In-memory Azurite slows down as the runs' rows and messages pile up (here per-message times rose about 15% a
  // round, with the odd request stalling for 30-40 s late in a run), so each section starts on a fresh one.
  let azurite = await startAzurite();
  const freshAzurite = async () => {
    await azurite.stop();
    azurite = await startAzurite();
  };
  try {
    const count = quick ? 200 : 600;
    // The deployed host.json's queue settings (infra/main.bicep sets its own share of TWILIO_MAX_CONCURRENCY).
    const queues = (JSON.parse(readFileSync(join(root, 'host.json'), 'utf8')) as { extensions: { queues: QueueConcurrency } }).extensions
      .queues;
    const defaults: QueueConcurrency = { batchSize: queues.batchSize, newBatchThreshold: queues.newBatchThreshold };
    const concurrency = defaults.batchSize + defaults.newBatchThreshold;

    const roundTrips = await roundTripsPerMessage(azurite, fake, quick ? 20 : 50);

    const baseline = await throughRawSdk(fake, concurrency, count);
    const withLedger = await throughRawSdk(fake, concurrency, count, { azurite });
    // The same floor plus the two requests the app's features add (the `sent` event, the status re-check): 8, as the app.
    const withFeatures = await throughRawSdk(fake, concurrency, count, { azurite, features: true });
    // BENCH_HOST_CPU_PROF=<dir>: this run's host writes a CPU profile there (node --cpu-prof), to see where its time goes.
    const profile = process.env.BENCH_HOST_CPU_PROF;
    const app = await throughQueueFunction(azurite, fake, defaults, count, {}, azurite.connectionString, profile);
    // Events off (EVENTS_QUEUE empty): what the outbox and the events queue cost.
    const eventsOff = await throughQueueFunction(azurite, fake, defaults, count, { EVENTS_QUEUE: '' });
    // Guards on: OUTBOUND_ALLOWED_COUNTRIES checks each destination (here allowed) before Twilio is called.
    const guardsOn = await throughQueueFunction(azurite, fake, defaults, count, { OUTBOUND_ALLOWED_COUNTRIES: '1,44' });
    const zeroLatency = {
      count,
      concurrency,
      baselinePerSecond: Math.round(baseline.perSecond),
      appPerSecond: Math.round(app.perSecond),
      ratio: app.perSecond / baseline.perSecond,
      goal: 0.5,
      rawWithLedgerPerSecond: Math.round(withLedger.perSecond),
      ratioToRawWithLedger: app.perSecond / withLedger.perSecond,
    };
    const cpu = {
      appCpuMsPerMessage: round(app.cpuMsPerMessage, 3),
      azuriteCpuMsPerMessage: round(app.storageCpuMsPerMessage!, 3),
      logBytesPerMessage: app.logBytesPerMessage,
      rawSdkCpuMsPerMessage: round(baseline.cpuMsPerMessage, 3),
      ratio: app.cpuMsPerMessage / baseline.cpuMsPerMessage,
      rawWithLedgerCpuMsPerMessage: round(withLedger.cpuMsPerMessage, 3),
      ratioToRawWithLedger: app.cpuMsPerMessage / withLedger.cpuMsPerMessage,
      rawWithFeaturesCpuMsPerMessage: round(withFeatures.cpuMsPerMessage, 3),
      ratioToRawWithFeatures: app.cpuMsPerMessage / withFeatures.cpuMsPerMessage,
      goal: 2,
    };
    const features = {
      events: onAgainstOff(app, eventsOff),
      guards: onAgainstOff(guardsOn, app),
      goal: 0.1,
    };

    fake.latencyMs = 50;
    await freshAzurite();
    const oneRoundTripMs = await storageRoundTripMs(azurite);
    const rawOne = await throughRawSdk(fake, 1, quick ? 30 : 60);
    const appOne = await throughQueueFunction(azurite, fake, { batchSize: 1, newBatchThreshold: 0 }, quick ? 30 : 60);
    const rawDeployed = await throughRawSdk(fake, concurrency, Math.min(count, 40 * concurrency));
    const appDeployed = await throughQueueFunction(azurite, fake, defaults, Math.min(count, 40 * concurrency));
    const latency = {
      latencyMs: 50,
      // One message at a time, each message's time is the gap between its create and the next one's: the median
      // gap, so that one stalled storage request in a run (the slowest gap, reported beside it) does not stand for
      // every message.
      concurrency1: {
        appMsPerMessage: round(appOne.medianGapMs),
        rawSdkMsPerMessage: round(rawOne.medianGapMs),
        storageRoundTripMs: round(oneRoundTripMs),
        overRawPlusOneRoundTripMs: round(appOne.medianGapMs - rawOne.medianGapMs - oneRoundTripMs),
        appMeanMsPerMessage: round(1000 / appOne.perSecond),
        appSlowestMs: round(appOne.slowestGapMs),
        rawSdkSlowestMs: round(rawOne.slowestGapMs),
        goalMs: 3,
      },
      deployed: {
        concurrency,
        appPerSecond: Math.round(appDeployed.perSecond),
        rawSdkPerSecond: Math.round(rawDeployed.perSecond),
        ratio: appDeployed.perSecond / rawDeployed.perSecond,
        // A stalled storage request shows as one long gap between creates; it is inside the rate above.
        appSlowestGapMs: round(appDeployed.slowestGapMs),
        appCpuMsPerMessage: round(appDeployed.cpuMsPerMessage, 3),
        azuriteCpuMsPerMessage: round(appDeployed.storageCpuMsPerMessage!, 3),
        // The share of one core the host used: at 1 it is CPU-bound on this machine.
        hostCores: round((appDeployed.cpuMsPerMessage * appDeployed.perSecond) / 1000),
        azuriteCores: round((appDeployed.storageCpuMsPerMessage! * appDeployed.perSecond) / 1000),
        goal: 0.6,
      },
    };

    const scaling = [];
    if (!quick) await freshAzurite();
    const settingsToTry: QueueConcurrency[] = quick
      ? []
      : [
          { batchSize: 4, newBatchThreshold: 2 },
          { batchSize: 32, newBatchThreshold: 16 },
        ];
    for (const setting of settingsToTry) {
      const measured = await throughQueueFunction(
        azurite,
        fake,
        setting,
        Math.min(count, 40 * (setting.batchSize + setting.newBatchThreshold)),
      );
      scaling.push({
        ...setting,
        concurrency: setting.batchSize + setting.newBatchThreshold,
        perSecond: Math.round(measured.perSecond),
        slowestGapMs: round(measured.slowestGapMs),
      });
    }
    return { zeroLatency, cpu, roundTrips, features, latency, scaling };
  } finally {
    await Promise.all([azurite.stop(), fake.stop()]);
  }
}

/**
 * `npm run bench -- --only=compare` with BENCH_COMPARE_APP=<another build's dist folder>: this build against that
 * one, runs alternating, in the same run: ms per message at concurrency 1 with 50 ms of Twilio latency, and host
 * CPU per message at zero latency and the host.json concurrency. Medians of `rounds`.
 */
export async function compareBuilds(otherDist: string, rounds: number) {
  const [azurite, fake] = await Promise.all([startAzurite(), startFakeTwilio()]);
  try {
    const one = { batchSize: 1, newBatchThreshold: 0 };
    const queues = (JSON.parse(readFileSync(join(root, 'host.json'), 'utf8')) as { extensions: { queues: QueueConcurrency } }).extensions
      .queues;
    const deployed = { batchSize: queues.batchSize, newBatchThreshold: queues.newBatchThreshold };
    const samples = {
      thisMs: [] as number[],
      otherMs: [] as number[],
      thisCpu: [] as number[],
      otherCpu: [] as number[],
      floorCpu: [] as number[],
      floorWithFeaturesCpu: [] as number[],
    };
    for (let i = 0; i < rounds; i++) {
      // Both hand-written floors (childRawSdk.ts, ledger and features modes) run in every round, so that each
      // build's ratio to them comes from runs side by side. BENCH_HOST_CPU_PROF=<dir>: every run below writes a
      // profile to <dir>/floor, <dir>/floorWithFeatures, <dir>/this or <dir>/other.
      const floorProfile = (name: string) => process.env.BENCH_HOST_CPU_PROF && join(process.env.BENCH_HOST_CPU_PROF, name);
      const concurrency = deployed.batchSize + deployed.newBatchThreshold;
      samples.floorCpu.push((await throughRawSdk(fake, concurrency, 300, { azurite }, floorProfile('floor'))).cpuMsPerMessage);
      const withFeatures = await throughRawSdk(fake, concurrency, 300, { azurite, features: true }, floorProfile('floorWithFeatures'));
      samples.floorWithFeaturesCpu.push(withFeatures.cpuMsPerMessage);
      const builds = [
        ['this', undefined],
        ['other', otherDist],
      ] as const;
      // Each build goes first every other round: a run late in a round meets an Azurite holding more rows.
      for (const [build, appDist] of i % 2 ? [...builds].reverse() : builds) {
        fake.latencyMs = 50;
        const latency = await throughQueueFunction(azurite, fake, one, 40, {}, azurite.connectionString, undefined, appDist);
        fake.latencyMs = 0;
        const profile = process.env.BENCH_HOST_CPU_PROF && join(process.env.BENCH_HOST_CPU_PROF, build);
        const cpu = await throughQueueFunction(azurite, fake, deployed, 300, {}, azurite.connectionString, profile, appDist);
        samples[`${build}Ms`].push(latency.medianGapMs);
        samples[`${build}Cpu`].push(cpu.cpuMsPerMessage);
      }
    }
    return {
      rounds,
      roundTrips: {
        this: await roundTripsPerMessage(azurite, fake, 30),
        other: await roundTripsPerMessage(azurite, fake, 30, otherDist),
      },
      msPerMessageAtConcurrency1: { this: round(median(samples.thisMs)), other: round(median(samples.otherMs)) },
      cpuMsPerMessage: {
        this: round(median(samples.thisCpu), 3),
        other: round(median(samples.otherCpu), 3),
        floor: round(median(samples.floorCpu), 3),
        floorWithFeatures: round(median(samples.floorWithFeaturesCpu), 3),
      },
      // Each round's ratio to that round's floor, then the median of them.
      ratioToFloor: {
        this: round(median(samples.thisCpu.map((cpu, i) => cpu / samples.floorCpu[i]))),
        other: round(median(samples.otherCpu.map((cpu, i) => cpu / samples.floorCpu[i]))),
      },
      // The same against the floor that also publishes the event and queues the re-check (eight requests, as the app).
      ratioToFloorWithFeatures: {
        this: round(median(samples.thisCpu.map((cpu, i) => cpu / samples.floorWithFeaturesCpu[i]))),
        other: round(median(samples.otherCpu.map((cpu, i) => cpu / samples.floorWithFeaturesCpu[i]))),
      },
      samples,
    };
  } finally {
    await Promise.all([azurite.stop(), fake.stop()]);
  }
}
