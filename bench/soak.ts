// npm run soak: the built app under the local host, on loopback only, put through phases one after another.
// Prints a table, writes bench/soak-results.json, and exits non-zero when a phase found a problem.
//   npm run soak -- --duration 5 --connections 10     a quick run (the webhook load only)
//   npm run soak -- --faults                          the webhook load, then the outbound fault phase
//   npm run soak -- --phase faults --messages 100     one phase (by a word of its name), fewer messages
// Phases share one running app (the outbound fault phase brings its own, see harness/soak/outboundFaults.ts).
// A new phase is a SoakPhase added to PHASES.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { leakedSecrets } from '../harness/secrets';
import { planTurns } from '../harness/soak/faultPlan';
import { faultMarkdownRow, faultTable, runOutboundFaults, SOAK_FAULT_SETTINGS } from '../harness/soak/outboundFaults';
import { startSoakApp, type SoakApp } from '../harness/soak/soakApp';
import { runWebhookLoad, type LoadResult } from '../harness/soak/webhookLoad';
import { parseToolArgs, runTool, UsageError } from '../scripts/toolCli';

interface SoakOptions {
  connections: number;
  durationSeconds: number;
  maxRequests: number;
  /** Outbound fault phase: how many messages, and the seed of its random choices. */
  messages: number;
  seed: number;
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

const LIMITS = { connections: 500, durationSeconds: 600, maxRequests: 5_000_000, messages: 2000, seed: 1_000_000 };

const USAGE = `Usage:
  npm run soak [-- --duration S] [--connections N] [--max-requests N]     the webhook load (default 30 s, 50 connections)
  npm run soak -- --faults [--messages N] [--seed N]                      then the outbound fault phase (300 messages, seed 1)
  npm run soak -- --phase <webhook|faults> [options]                      one phase alone

Prints a table, writes bench/soak-results.json, and exits 1 when a phase found a problem.`;

const OPTIONS = {
  connections: { type: 'string' },
  duration: { type: 'string' },
  'max-requests': { type: 'string' },
  messages: { type: 'string' },
  seed: { type: 'string' },
  phase: { type: 'string' },
  faults: { type: 'boolean' },
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
  describe: (options) => `${options.connections} connections, ${options.durationSeconds} s`,
  async run(app, options) {
    const load = await runWebhookLoad(app.target, options);
    return { name: this.name, problems: loadProblems(load), figures: load, table: loadTable(load) };
  },
};

function loadProblems(load: LoadResult): string[] {
  const problems = [];
  if (load.requests === 0) problems.push('no request was answered');
  if (load.wrongAnswers) problems.push(`${load.wrongAnswers} wrong answers, e.g. ${load.wrongExamples.join('; ')}`);
  if (load.status5xx) problems.push(`${load.status5xx} answers with a 5xx status`);
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
    row('5xx', load.status5xx),
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
    const hostLogFile = join(__dirname, '..', 'bench', 'soak-faults-host.log');
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
    maxRequests: option(values, 'max-requests', 1_000_000, LIMITS.maxRequests),
    messages: option(values, 'messages', 300, LIMITS.messages),
    seed: option(values, 'seed', 1, LIMITS.seed),
  };
  const phases = chosenPhases(values.phase, values.faults === true);
  const app = await startSoakApp();
  const results: PhaseResult[] = [];
  try {
    for (const phase of phases) {
      console.log(`${phase.name}: ${phase.describe(options)} ...`);
      results.push(await phase.run(app, options));
    }
    results.push(hostOutputCheck(app));
  } finally {
    await app.stop();
  }
  for (const result of results) {
    console.log(`\n${result.name}: ${result.problems.length ? 'FAILED' : 'passed'}`);
    console.log(result.table.join('\n'));
    for (const problem of result.problems) console.log(`  ! ${problem}`);
  }
  const file = join(__dirname, '..', 'bench', 'soak-results.json');
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
