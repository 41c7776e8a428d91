// npm run soak: the built app under the local host, on loopback only, put through phases one after another.
// Prints a table, writes bench/soak-results.json, and exits non-zero when a phase found a problem.
//   npm run soak -- --duration 5 --connections 10     a quick run (the webhook load and outbound stream only)
//   npm run soak -- --duration 3600                   an hour: the host's memory line, sampled every 10 s and plotted
//   npm run soak -- --faults                          the webhook load, then the outbound fault phase
//   npm run soak -- --phase faults --messages 100     one phase (by a word of its name), fewer messages
// Phases share one running app (the outbound fault phase brings its own, see harness/soak/outboundFaults.ts).
// A new phase is a SoakPhase added to PHASES.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { leakedSecrets } from '../harness/secrets';
import { planTurns } from '../harness/soak/faultPlan';
import { faultMarkdownRow, faultTable, runOutboundFaults, SOAK_FAULT_SETTINGS } from '../harness/soak/outboundFaults';
import { memoryVerdict, readSamples, samplesCsv, samplesSvg, warmUpFor, writePng, type LoadPanels } from '../harness/soak/hostSamples';
import { startOptOutCycles, type OptOutCyclesResult } from '../harness/soak/optOutCycles';
import { startOutboundStream, type OutboundStreamResult } from '../harness/soak/outboundStream';
import { startEventsSubscriber, type EventsSubscriberResult } from '../harness/soak/eventsSubscriber';
import { meanCores, startCpuSampler, type CpuSample } from '../harness/soak/processCpu';
import { startSinkRetries, type SinkRetryFigures } from '../harness/soak/sinkRetries';
import { SOAK_EVENTS_QUEUE, startSoakApp, type SoakApp } from '../harness/soak/soakApp';
import { heapGroups, heapGrowth } from '../harness/soak/heapSnapshots';
import { runWebhookLoad, type LoadResult, type MinuteLatency } from '../harness/soak/webhookLoad';
import { parseToolArgs, runTool, UsageError } from '../scripts/toolCli';

interface SoakOptions {
  connections: number;
  durationSeconds: number;
  maxRequests: number;
  /** Webhook requests a second over all connections; undefined: as fast as the host answers. */
  rate?: number;
  /** Outbound fault phase: how many messages, and the seed of its random choices. */
  messages: number;
  seed: number;
  /** Outbound messages per second through POST /api/outbound during the webhook load. */
  outboundRate: number;
  /** Seconds between the host's samples of its memory and event-loop delay. */
  sampleSeconds: number;
  /** Where the results, samples and plot go. */
  outDir: string;
  /** Heap snapshots of the host at the warm-up's end and at the load's end. */
  heapSnapshots: boolean;
}

interface PhaseResult {
  name: string;
  /** Empty when the phase passed. */
  problems: string[];
  figures: unknown;
  table: string[];
}

interface SoakPhase {
  name: string;
  describe(options: SoakOptions): string;
  run(app: SoakApp, options: SoakOptions): Promise<PhaseResult>;
}

const LIMITS = {
  connections: 500,
  durationSeconds: 86_400,
  maxRequests: 500_000_000,
  messages: 2000,
  seed: 1_000_000,
  outboundRate: 100,
  rate: 100_000,
  sampleSeconds: 600,
};

const USAGE = `Usage:
  npm run soak [-- --duration S] [--connections N] [--max-requests N]     the webhook load (default 30 s, 50 connections)
         [--rate N] [--outbound-rate N] [--sample-every S] [--out DIR]   N webhooks a second (default: as fast as the host
         [--heap-snapshots]                                               answers), N outbound SMS a second (default 2), the
                                                                          host sampled every S seconds (default 10), and
                                                                          its heap written at the warm-up's end and the end
  npm run soak -- --faults [--messages N] [--seed N]                      then the outbound fault phase (300 messages, seed 1)
  npm run soak -- --phase <webhook|faults> [options]                      one phase alone

Prints a table, writes soak-results.json, soak-samples.csv, soak-samples.jsonl and soak-memory.png to DIR
(default bench/), and exits 1 when a phase found a problem (a wrong answer, a lost or duplicated message, a live
heap more than 10 % off its level after the first 10 minutes, or the first half of a shorter run).`;

const OPTIONS = {
  connections: { type: 'string' },
  duration: { type: 'string' },
  'max-requests': { type: 'string' },
  messages: { type: 'string' },
  seed: { type: 'string' },
  phase: { type: 'string' },
  faults: { type: 'boolean' },
  'heap-snapshots': { type: 'boolean' },
  'outbound-rate': { type: 'string' },
  rate: { type: 'string' },
  'sample-every': { type: 'string' },
  out: { type: 'string' },
} as const;

function option(values: Record<string, unknown>, name: string, fallback: number, max: number): number {
  const text = values[name];
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0 || value > max) throw new UsageError(`--${name} must be a whole number from 1 to ${max}`);
  return value;
}

const webhookLoad: SoakPhase = {
  name: 'webhook load',
  describe: (options) =>
    `${options.connections} connections, ${options.durationSeconds} s, ${options.rate ? `${options.rate} webhooks/s, ` : ''}${options.outboundRate} outbound SMS/s, host sampled every ${options.sampleSeconds} s`,
  async run(app, options) {
    const cpu = startCpuSampler(
      { host: app.host.process.pid!, azurite: app.azurite.process.pid!, 'load and stand-ins': process.pid },
      options.sampleSeconds * 1000,
    );
    const stream = startOutboundStream(app.host.baseUrl, app.twilio, options.outboundRate);
    const cycles = startOptOutCycles(app.host.baseUrl, app.target.fromNumber);
    const subscriber = startEventsSubscriber(app.azurite.connectionString, SOAK_EVENTS_QUEUE);
    const retries = startSinkRetries(app.host.baseUrl);
    const load = await runWebhookLoad(app.target, { ...options, sinkRetries: retries });
    const [sink, outbound, optOuts] = await Promise.all([retries.drain(120_000), stream.stop(), cycles.stop()]);
    const events = await subscriber.stop(retries.ids());
    const cpuSamples = cpu.stop();
    return {
      name: this.name,
      problems: [...loadProblems(load), ...outboundProblems(outbound), ...optOutProblems(optOuts), ...eventProblems(events, sink)],
      figures: { ...load, outbound, optOuts, events, sinkRetries: sink, cpu: { meanCores: meanCores(cpuSamples), samples: cpuSamples } },
      table: [
        ...loadTable(load),
        ...outboundTable(outbound),
        `  ${'opt-out API'.padEnd(26)} ${optOuts.cycles} cycles, ${optOuts.requests} requests, ${optOuts.wrong} wrong`,
        `  ${'events subscriber'.padEnd(26)} ${events.consumed} taken off the events queue, ${events.notEvents} not events`,
        ...sinkTable(sink, events),
        ...cpuTable(cpuSamples, load.latencyByMinute),
      ],
    };
  },
};

function eventProblems(events: EventsSubscriberResult, sink: SinkRetryFigures): string[] {
  const problems = [];
  if (!events.consumed) problems.push('the events subscriber received no event');
  if (events.notEvents) problems.push(`${events.notEvents} messages on the events queue were not events`);
  if (sink.refused)
    problems.push(`${sink.refused} Event Streams batches refused with a status Twilio does not retry: ${sink.examples.join('; ')}`);
  if (sink.stillFailing)
    problems.push(`${sink.stillFailing} Event Streams batches without a 200 after the retries: ${sink.examples.join('; ')}`);
  const once = events.sinkEvents;
  if (once?.lost) problems.push(`${once.lost} Event Streams events never reached the events queue: ${once.examples.join('; ')}`);
  if (once?.duplicated)
    problems.push(`${once.duplicated} Event Streams events reached the events queue more than once: ${once.examples.join('; ')}`);
  return problems;
}

function sinkTable(sink: SinkRetryFigures, events: EventsSubscriberResult): string[] {
  const row = (label: string, value: string | number) => `  ${label.padEnd(26)} ${value}`;
  const reasons = Object.entries(sink.failedTries).map(([reason, n]) => `${reason}: ${n}`);
  const once = events.sinkEvents;
  return [
    row('Event Streams batches', `${sink.batches} (${sink.events} events), ${sink.firstTry} passed first time`),
    row(
      '  retried as Twilio does',
      `${sink.retried} batches, ${sink.retries} retries${reasons.length ? ` (failed tries: ${reasons.join(', ')})` : ''}`,
    ),
    ...(once ? [row('  on the queue once / lost / twice', `${once.once} / ${once.lost} / ${once.duplicated}`)] : []),
  ];
}

/** The mean share of a core each process used, and how the latency moved from the first to the last ten minutes. */
function cpuTable(samples: CpuSample[], minutes: MinuteLatency[]): string[] {
  const row = (label: string, value: string | number) => `  ${label.padEnd(26)} ${value}`;
  const span = (list: MinuteLatency[]) =>
    list.length ? `p50 ${median(list.map((m) => m.p50))} ms, p99 ${median(list.map((m) => m.p99))} ms` : '-';
  return [
    row(
      'CPU, cores (mean)',
      Object.entries(meanCores(samples))
        .map(([name, cores]) => `${name} ${cores}`)
        .join(', '),
    ),
    row('latency, first 10 min', span(minutes.slice(0, 10))),
    row('latency, last 10 min', span(minutes.slice(-10))),
  ];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function outboundProblems(outbound: OutboundStreamResult): string[] {
  const problems = [];
  if (outbound.accepted === 0) problems.push('no outbound message was accepted');
  const refused = Object.entries(outbound.refused);
  if (refused.length) problems.push(`outbound answers other than 202: ${refused.map(([s, n]) => `${s}: ${n}`).join(', ')}`);
  if (outbound.lost) problems.push(`${outbound.lost} outbound messages never sent, e.g. ${outbound.examples.join(', ')}`);
  if (outbound.duplicated) problems.push(`${outbound.duplicated} outbound messages sent more than once`);
  return problems;
}

function optOutProblems(optOuts: OptOutCyclesResult): string[] {
  if (optOuts.cycles === 0) return ['no opt-out API cycle finished'];
  return optOuts.wrong ? [`${optOuts.wrong} wrong opt-out API answers, e.g. ${optOuts.examples.join('; ')}`] : [];
}

function outboundTable(outbound: OutboundStreamResult): string[] {
  const row = (label: string, value: string | number) => `  ${label.padEnd(26)} ${value}`;
  return [
    row('outbound SMS', `${outbound.posted} posted (${outbound.ratePerSecond}/s), ${outbound.accepted} accepted`),
    row('  sent once / lost / twice', `${outbound.sentOnce} / ${outbound.lost} / ${outbound.duplicated}`),
  ];
}

/** The host's own samples over the whole run: the memory verdict, the CSV and the plot. */
async function memoryCheck(options: SoakOptions, samplesFile: string, hostPid: number | undefined, load: LoadPanels): Promise<PhaseResult> {
  const samples = readSamples(samplesFile);
  const verdict = memoryVerdict(samples, warmUpFor(options.durationSeconds));
  const csv = join(options.outDir, 'soak-samples.csv');
  const png = join(options.outDir, 'soak-memory.png');
  writeFileSync(csv, samplesCsv(samples));
  const title = `npm run soak: ${options.connections} connections, ${options.rate ? `${options.rate} webhooks/s, ` : ''}${options.outboundRate} outbound SMS/s, ${options.durationSeconds} s, Node ${process.version}`;
  await writePng(samplesSvg(samples, verdict, title, load), png);
  const mb = (bytes: number | undefined) => (bytes === undefined ? '-' : `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`);
  const row = (label: string, value: string | number) => `  ${label.padEnd(26)} ${value}`;
  const snapshots = samples.flatMap((s) => (s.heapSnapshot ? [s.heapSnapshot] : []));
  const growth = snapshots.length >= 2 ? heapGrowth(heapGroups(snapshots[0]), heapGroups(snapshots[snapshots.length - 1])) : [];
  return {
    name: 'host memory',
    problems: verdict.problems,
    figures: { ...verdict, hostPid, heapSnapshots: snapshots, heapGrowth: growth },
    table: [
      row('samples', `${verdict.samples}, every ${options.sampleSeconds} s (warm-up ${verdict.warmUpSeconds} s)`),
      row(
        'live heap after warm-up',
        verdict.judged
          ? `${mb(verdict.referenceBytes)}, ${Math.round(verdict.lowest! * 1000) / 10} % to ${Math.round(verdict.highest! * 1000) / 10} %, slope ${verdict.slopeMbPerHour} MB/h`
          : 'not judged (fewer than 6 samples after the warm-up)',
      ),
      row('RSS first / last / max', `${verdict.rssMb.first} / ${verdict.rssMb.last} / ${verdict.rssMb.max} MB`),
      row('loop delay p99 median/max', `${verdict.loopDelayP99Ms.median} / ${verdict.loopDelayP99Ms.max} ms`),
      row('samples', `${csv}, ${samplesFile}`),
      row('plot', png),
      ...(growth.length ? [row('heap growth, first to last snapshot', snapshots.join(', '))] : []),
      ...growth.map((g) =>
        row(
          `  ${g.name.slice(0, 40)}`,
          `${g.bytesDelta >= 0 ? '+' : ''}${mb(g.bytesDelta)} (${g.countDelta >= 0 ? '+' : ''}${g.countDelta} objects; ${mb(g.bytes)} in all)`,
        ),
      ),
    ],
  };
}

function loadProblems(load: LoadResult): string[] {
  const problems = [];
  if (load.requests === 0) problems.push('no request was answered');
  if (load.wrongAnswers) problems.push(`${load.wrongAnswers} wrong answers, e.g. ${load.wrongExamples.join('; ')}`);
  const unretried5xx = load.status5xx - load.status5xxRetried;
  if (unretried5xx) problems.push(`${unretried5xx} answers with a 5xx status`);
  if (load.errors) problems.push(`${load.errors} requests without an answer (${load.timeouts} timeouts)`);
  return problems;
}

function loadTable(load: LoadResult): string[] {
  const row = (label: string, value: string | number) => `  ${label.padEnd(26)} ${value}`;
  return [
    row('connections', load.connections),
    row('duration', `${load.durationSeconds} s`),
    row('requests answered', `${load.requests} (${load.requestsPerSecond}/s)`),
    row(
      'latency p50 / p90 / p99',
      `${load.latencyMs.p50} / ${load.latencyMs.p90} / ${load.latencyMs.p99} ms (max ${load.latencyMs.max} ms)`,
    ),
    row(
      'status codes',
      Object.entries(load.statusCounts)
        .map(([status, count]) => `${status}: ${count}`)
        .join(', '),
    ),
    row('5xx', `${load.status5xx}${load.status5xxRetried ? ` (${load.status5xxRetried} from the Event Streams sink, retried)` : ''}`),
    row('wrong answers', load.wrongAnswers),
    row('errors (no answer)', `${load.errors} (timeouts ${load.timeouts})`),
    ...load.endpoints.map((e) =>
      row(
        `  ${e.name}`,
        `${e.answered} answered, ${e.wrong} wrong${
          e.variants
            ? ` (${Object.entries(e.variants)
                .map(([k, v]) => `${k} ${v}`)
                .join(', ')})`
            : ''
        }`,
      ),
    ),
  ];
}

/** After every phase: the host's whole output, checked for credentials and for invocations that failed. */
function hostOutputCheck(app: SoakApp): PhaseResult {
  const output = app.host.output();
  const leaked = leakedSecrets(output);
  const failures = output.split('\n').filter((line) => /\(Failed\)|Request handling failed/.test(line));
  return {
    name: 'host output',
    problems: [
      ...leaked.map((name) => `${name} appears in the host output`),
      ...(failures.length ? [`${failures.length} failed invocations, e.g. ${failures[0]}`] : []),
    ],
    figures: { lines: output.split('\n').length, secretsFound: leaked, failedInvocations: failures.length },
    table: [
      `  ${'secrets in the log'.padEnd(26)} ${leaked.length ? leaked.join(', ') : 'none'}`,
      `  ${'failed invocations'.padEnd(26)} ${failures.length}`,
    ],
  };
}

/** Outbound messages under Twilio, storage, process and Key Vault faults: none lost, none sent twice. */
const outboundFaults: SoakPhase = {
  name: 'outbound faults',
  describe: (options) => `${options.messages} messages, seed ${options.seed}`,
  async run(_app, options) {
    const turns = planTurns(6, options.seed);
    const hostLogFile = join(options.outDir, 'soak-faults-host.log');
    const result = await runOutboundFaults({
      ...SOAK_FAULT_SETTINGS,
      messages: options.messages,
      seed: options.seed,
      turns,
      hostLogFile,
      log: (line) => console.log(line),
    });
    return {
      name: this.name,
      problems: result.problems,
      figures: result,
      table: [...faultTable(result), `  ${'host log'.padEnd(26)} ${hostLogFile}`, `  docs/reliability.md row: ${faultMarkdownRow(result)}`],
    };
  },
};

const PHASES: SoakPhase[] = [webhookLoad, outboundFaults];

/** The fault phase takes minutes (hundreds of messages through crashes and outages): it runs only when asked for. */
function chosenPhases(word: string | undefined, faults: boolean): SoakPhase[] {
  if (word === undefined) return faults ? PHASES : [webhookLoad];
  const chosen = PHASES.filter((phase) => phase.name.split(' ').includes(word));
  if (!chosen.length) throw new UsageError(`--phase must be a word of a phase name: ${PHASES.map((p) => p.name).join(', ')}`);
  return chosen;
}

async function main(args: string[]): Promise<number> {
  const { values, positionals } = parseToolArgs(args, OPTIONS, true);
  if (positionals.length) throw new UsageError(`Unexpected argument: ${positionals.join(' ')}`);
  const options: SoakOptions = {
    connections: option(values, 'connections', 50, LIMITS.connections),
    durationSeconds: option(values, 'duration', 30, LIMITS.durationSeconds),
    maxRequests: 0,
    messages: option(values, 'messages', 300, LIMITS.messages),
    seed: option(values, 'seed', 1, LIMITS.seed),
    rate: values.rate === undefined ? undefined : option(values, 'rate', 0, LIMITS.rate),
    outboundRate: option(values, 'outbound-rate', 2, LIMITS.outboundRate),
    sampleSeconds: option(values, 'sample-every', 10, LIMITS.sampleSeconds),
    outDir: resolve(typeof values.out === 'string' ? values.out : join(__dirname, '..', 'bench')),
    heapSnapshots: values['heap-snapshots'] === true,
  };
  // A cap against a runaway run, not a limit a long soak meets: 1,000,000 for the default 30 s, more for longer.
  options.maxRequests = option(values, 'max-requests', Math.max(1_000_000, options.durationSeconds * 20_000), LIMITS.maxRequests);
  const phases = chosenPhases(values.phase, values.faults === true);
  mkdirSync(options.outDir, { recursive: true });
  const samplesFile = join(options.outDir, 'soak-samples.jsonl');
  rmSync(samplesFile, { force: true });
  const sampled = phases.includes(webhookLoad);
  const snapshotsAtMs = options.heapSnapshots
    ? [warmUpFor(options.durationSeconds) * 1000, (options.durationSeconds - options.sampleSeconds) * 1000]
    : [];
  const app = await startSoakApp(
    sampled
      ? {
          sampleFile: samplesFile,
          sampleIntervalMs: options.sampleSeconds * 1000,
          heapSnapshotsAtMs: snapshotsAtMs,
          heapSnapshotDir: options.outDir,
        }
      : {},
  );
  const results: PhaseResult[] = [];
  try {
    for (const phase of phases) {
      console.log(`${phase.name}: ${phase.describe(options)} ...`);
      results.push(await phase.run(app, options));
    }
    results.push(hostOutputCheck(app));
    // The host's whole output beside the results, to find out what happened to a message the verdict names.
    writeFileSync(join(options.outDir, 'soak-host.log'), app.host.output());
  } finally {
    await app.stop();
  }
  if (sampled) {
    const load = results.find((r) => r.name === webhookLoad.name)?.figures as
      { latencyByMinute?: MinuteLatency[]; cpu?: { samples: CpuSample[] } } | undefined;
    results.push(
      await memoryCheck(options, samplesFile, app.host.process.pid, { latency: load?.latencyByMinute, cpu: load?.cpu?.samples }),
    );
  }
  for (const result of results) {
    console.log(`\n${result.name}: ${result.problems.length ? 'FAILED' : 'passed'}`);
    console.log(result.table.join('\n'));
    for (const problem of result.problems) console.log(`  ! ${problem}`);
  }
  const file = join(options.outDir, 'soak-results.json');
  // A run of some phases keeps the other phases' latest figures.
  const ran = results.map(({ table: _table, ...rest }) => ({ ...rest, date: new Date().toISOString() }));
  const kept = existsSync(file)
    ? ((JSON.parse(readFileSync(file, 'utf8')) as { phases?: Array<{ name: string }> }).phases ?? []).filter(
        (p) => !ran.some((r) => r.name === p.name),
      )
    : [];
  const report = { node: process.version, date: new Date().toISOString(), options, phases: [...ran, ...kept] };
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nFigures written to ${file}`);
  return results.some((r) => r.problems.length) ? 1 : 0;
}

void runTool({ usage: USAGE, main });
