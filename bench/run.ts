// npm run bench: every figure against a baseline measured in the same run. Prints a table and writes
// bench/results.json. Not part of npm test.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HttpHandler } from '@azure/functions';
import { MOCK_TWILIO_CREDENTIALS } from '../devhost/services';
import { smsParams, voiceCallParams } from '../harness/twilioRequests';
import { timeProcesses } from '../harness/stats';
import { loadBuiltApp } from './inProcess';
import { keyVaultReads } from './keyVaultReads';
import { outboundThroughput } from './outboundThroughput';
import { webhookCost } from './webhookCost';

const root = join(__dirname, '..');
const quick = process.argv.includes('--quick');

const appEnv = {
  ...process.env,
  AzureWebJobsStorage: 'UseDevelopmentStorage=true',
  // No storage runs for the webhook benches: events off (the outbound bench measures them).
  EVENTS_QUEUE: '',
  ...MOCK_TWILIO_CREDENTIALS,
  KEY_VAULT_URL: '',
  WEBHOOK_BASE_URL: '',
  BENCH_APP_ROOT: root,
};

function coldStart() {
  const runs = quick ? 5 : 21;
  const medians = timeProcesses(
    [
      { name: 'bare', args: ['-e', '0'] },
      { name: 'load', args: [join(root, 'build', 'bench-load.js')], env: appEnv },
      {
        name: 'firstResponse',
        args: [join(root, 'build', 'bench-first.js')],
        env: { ...appEnv, BENCH_FUNCTION: process.env.BENCH_FIRST_FUNCTION ?? 'voice' },
      },
    ],
    runs,
  );
  return {
    runs,
    bareNodeMs: medians.bare,
    loadMs: medians.load,
    firstResponseMs: medians.firstResponse,
    loadRatio: medians.load / medians.bare,
    firstResponseRatio: medians.firstResponse / medians.bare,
    goals: { loadRatio: 1.5, firstResponseRatio: 2 },
  };
}

async function inProcessWebhooks() {
  Object.assign(process.env, appEnv);
  const registry = loadBuiltApp();
  const handlers = new Map(registry.functions.map((f) => [f.metadata.name, f.callback as unknown as HttpHandler]));
  const rows = await webhookCost(
    handlers,
    [
      { name: 'voice', path: '/api/voice', params: voiceCallParams() },
      { name: 'sms', path: '/api/sms', params: smsParams() },
      { name: 'forward', path: '/api/forward?PhoneNumber=%2B14155550100', params: voiceCallParams() },
      { name: 'menu', path: '/api/menu?Message=Press%201&Options%5B1%5D=https%3A%2F%2Fexample.com%2Fsales', params: voiceCallParams() },
    ],
    MOCK_TWILIO_CREDENTIALS.TWILIO_AUTH_TOKEN,
    quick ? 2000 : 10000,
  );
  return { rows, goal: 0.5 };
}

function format(results: Record<string, any>): string {
  const lines: string[] = [];
  const c = results.coldStart;
  lines.push('Cold start (median wall time of a fresh process)');
  lines.push(`  bare node -e 0          ${c.bareNodeMs.toFixed(1)} ms`);
  lines.push(`  load + register app     ${c.loadMs.toFixed(1)} ms   ${c.loadRatio.toFixed(2)}x bare (goal <= ${c.goals.loadRatio}x)`);
  lines.push(
    `  first /api/voice TwiML  ${c.firstResponseMs.toFixed(1)} ms   ${c.firstResponseRatio.toFixed(2)}x bare (goal <= ${c.goals.firstResponseRatio}x)`,
  );
  lines.push('Webhook cost in process (signature check + TwiML), requests/s');
  for (const row of results.webhooks.rows) {
    lines.push(
      row.skipped
        ? `  ${row.name.padEnd(8)} skipped: ${row.skipped}`
        : `  ${row.name.padEnd(8)} app ${String(row.appRps).padStart(7)}  raw node ${String(row.baselineRps).padStart(7)}  ${row.ratio.toFixed(2)}x (goal >= ${results.webhooks.goal}x)`,
    );
  }
  lines.push('Key Vault reads (real ManagedIdentityCredential + SecretClient against loopback fakes)');
  for (const row of results.keyVault) {
    lines.push(
      `  ${row.name.padEnd(42)} auth token reads ${row.authTokenReads}, account SID reads ${row.accountSidReads} (goal <= ${row.goalReadsPerSecret} per secret, ${row.elapsedS} s)`,
    );
  }
  const o = results.outbound;
  lines.push(`Outbound throughput (${o.zeroLatency.count} SMS, concurrency ${o.zeroLatency.concurrency}, zero-latency fake Twilio)`);
  lines.push(
    `  queue function + ledger ${String(o.zeroLatency.appPerSecond).padStart(6)}/s  raw twilio SDK ${String(o.zeroLatency.baselinePerSecond).padStart(6)}/s  ${o.zeroLatency.ratio.toFixed(2)}x (goal >= ${o.zeroLatency.goal}x)`,
  );
  lines.push(
    `  raw SDK + the same storage round trips by hand ${String(o.zeroLatency.rawWithLedgerPerSecond).padStart(6)}/s  app ${o.zeroLatency.ratioToRawWithLedger.toFixed(2)}x of it`,
  );
  lines.push(
    `  events off (EVENTS_QUEUE empty) ${String(o.zeroLatency.eventsOffPerSecond).padStart(6)}/s  events on ${o.zeroLatency.eventsOnToOff.toFixed(2)}x of it`,
  );
  lines.push(`  with ${o.latencyMs} ms Twilio latency, by host.json batchSize/newBatchThreshold:`);
  for (const row of o.scaling)
    lines.push(`    ${row.batchSize}/${row.newBatchThreshold} (concurrency ${row.concurrency})`.padEnd(36) + `${row.perSecond}/s`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  const results: Record<string, unknown> = { node: process.version, date: new Date().toISOString(), quick };
  results.coldStart = coldStart();
  results.webhooks = await inProcessWebhooks();
  results.keyVault = await keyVaultReads(root, quick);
  results.outbound = await outboundThroughput(quick);
  console.log(format(results));
  writeFileSync(join(root, 'bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
