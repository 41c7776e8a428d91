// npm run cost: the monthly cost table of docs/cost.md, computed from what the bench measured (bench/results.json:
// storage requests and worker CPU per outbound message, webhooks per CPU-second) and the prices in
// bench/prices.json (each with its source). It rewrites the block between <!-- cost-table --> markers; with --check
// it only says whether the page is what it would write (the test runs that).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const PAGE = join(root, 'docs', 'cost.md');
const BLOCK = /<!-- cost-table -->[^]*?<!-- \/cost-table -->/;
export const SIZES = [1_000, 100_000, 10_000_000];

/** What one message and one webhook use, from the bench's measurements; and the fixed assumptions, named. */
export function usage(results) {
  const perMessage = results.outbound.roundTrips.perMessage;
  const count = (prefix) => Object.entries(perMessage).reduce((n, [name, c]) => n + (name.startsWith(prefix) ? c : 0), 0);
  const voice = results.webhooks.rows.find((r) => r.name === 'voice');
  return {
    messageQueueOps: count('queue'),
    messageTableOps: count('table'),
    messageCpuSeconds: results.outbound.cpu.appCpuMsPerMessage / 1000,
    webhookCpuSeconds: 1 / voice.appRps,
    // Assumptions, not measurements: with EVENTS_QUEUE (on by default) a webhook writes its event to the queue; a
    // message gets two status callbacks (sent, delivered), each a webhook that reads and updates its ledger row.
    webhookQueueOps: 1,
    statusCallbacksPerMessage: 2,
    callbackTableOps: 2,
    // A log line of about 600 bytes as Application Insights stores it (the JSON line plus its columns), three per
    // message (accepted, sent, a status callback): an estimate, not measured here.
    logBytesPerMessage: 3 * 600,
    logBytesPerWebhook: 600,
  };
}

/** Monthly dollars for `n` messages and `n` calls (webhooks), 512 MB instances, one always-ready HTTP instance. */
export function monthly(n, u, prices, { instanceGb = 0.5, alwaysReady = 1, cpuShare = 0.25 } = {}) {
  const p = Object.fromEntries(Object.entries(prices.prices).map(([k, v]) => [k, v.usd ?? v.amount]));
  const webhooks = n + n * u.statusCallbacksPerMessage;
  const executions = n + webhooks;
  // Active seconds on a 512 MB instance, which has a quarter of the core the bench measured on.
  const activeGbSeconds = ((n * u.messageCpuSeconds + webhooks * u.webhookCpuSeconds) / cpuShare) * instanceGb;
  const execution =
    Math.max(0, activeGbSeconds - p.flexOnDemandFreeGbSeconds) * p.flexOnDemandGbSecond +
    (Math.max(0, executions - p.flexOnDemandFreeExecutions) / 1e6) * p.flexOnDemandExecutionsPerMillion;
  const alwaysReadyBaseline = alwaysReady * instanceGb * 730 * 3600 * p.flexAlwaysReadyBaselineGbSecond;
  const storage =
    ((n * u.messageQueueOps + webhooks * u.webhookQueueOps) / 1e4) * p.storageQueueTransactionsPer10k +
    ((n * u.messageTableOps + n * u.statusCallbacksPerMessage * u.callbackTableOps) / 1e4) * p.storageTableTransactionsPer10k;
  const logGb = (n * u.logBytesPerMessage + webhooks * u.logBytesPerWebhook) / 1e9;
  const logs = Math.max(0, logGb - p.logAnalyticsFreeGbPerMonth) * p.logAnalyticsIngestionPerGb;
  // Each instance reads two secrets once per SECRETS_CACHE_TTL_SECONDS (300): about 2 x 12 x 730 a month per instance.
  const keyVault = ((2 * 12 * 730 * Math.max(1, alwaysReady)) / 1e4) * p.keyVaultOperationsPer10k;
  // With createEventGridTopic: one publish per event (per message about three, per webhook one).
  const eventGrid = (Math.max(0, n * 3 + webhooks - p.eventGridFreeOperations) / 1e6) * p.eventGridOperationsPerMillion;
  // The total is the default deployment's: without the optional Event Grid topic.
  const total = execution + alwaysReadyBaseline + storage + logs + keyVault;
  return { execution, alwaysReadyBaseline, storage, logs, keyVault, eventGrid, total, logGb, activeGbSeconds, executions };
}

const usd = (x) =>
  x < 0.01 && x > 0 ? '< $0.01' : `$${x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

export function table(results, prices) {
  const u = usage(results);
  const cols = SIZES.map((n) => monthly(n, u, prices));
  const line = (label, f) => `| ${label} | ${cols.map(f).join(' | ')} |`;
  return [
    '<!-- cost-table -->',
    `| a month (${prices.region}) | ${SIZES.map((n) => `${n.toLocaleString('en-US')} messages and calls`).join(' | ')} |`,
    `|---|${SIZES.map(() => '---:').join('|')}|`,
    line('Flex on-demand execution (GB-s and executions)', (c) => usd(c.execution)),
    line('Flex always-ready baseline (1 HTTP instance, 512 MB)', (c) => usd(c.alwaysReadyBaseline)),
    line('Storage transactions (queue and table)', (c) => usd(c.storage)),
    line('Application Insights ingestion', (c) => usd(c.logs)),
    line('Key Vault operations', (c) => usd(c.keyVault)),
    line('Event Grid (only with createEventGridTopic)', (c) => usd(c.eventGrid)),
    line('**total** (without Event Grid)', (c) => `**${usd(c.total)}**`),
    '',
    `Inputs, from \`bench/results.json\` (${results.date.slice(0, 10)}, Node ${results.node}): per message ${u.messageQueueOps} queue and ${u.messageTableOps} table requests (counted by the outbound bench) and ${(u.messageCpuSeconds * 1000).toFixed(1)} ms of worker CPU; per webhook ${(u.webhookCpuSeconds * 1000).toFixed(3)} ms of CPU (\`voice\`). Assumed, not measured: ${u.statusCallbacksPerMessage} status callbacks per message, ${u.webhookQueueOps} event queue write per webhook, about ${u.logBytesPerWebhook} bytes stored per log line. Every price, with its source and whether it could be confirmed: [\`bench/prices.json\`](../bench/prices.json).`,
    '<!-- /cost-table -->',
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const results = JSON.parse(readFileSync(join(root, 'bench', 'results.json'), 'utf8'));
  const prices = JSON.parse(readFileSync(join(root, 'bench', 'prices.json'), 'utf8'));
  const page = readFileSync(PAGE, 'utf8');
  if (!BLOCK.test(page)) throw new Error('docs/cost.md has no <!-- cost-table --> block');
  const next = page.replace(BLOCK, table(results, prices));
  if (process.argv.includes('--check')) {
    if (next !== page) {
      console.error('docs/cost.md is not what npm run cost computes from bench/results.json and bench/prices.json: run npm run cost');
      process.exitCode = 1;
    } else console.log('cost: docs/cost.md is up to date');
  } else {
    writeFileSync(PAGE, next);
    console.log('cost: wrote docs/cost.md');
  }
}
