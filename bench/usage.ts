// What a webhook costs in storage requests, bytes logged and host CPU, measured through the local host with events
// on (the deployed default): signed /api/voice and /api/sms requests, storage behind counting proxies. With the
// outbound bench's per-message figures and bench/prices.json, the dollars per 1,000.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MOCK_TWILIO_CREDENTIALS, startAzurite } from '../devhost/services';
import { isMessageWork, startStorageCountingProxies } from '../harness/countingProxy';
import { startHost } from '../harness/localHost';
import { smsParams, twilioPost, voiceCallParams } from '../harness/twilioRequests';
import { cpuMsOf } from './outboundThroughput';

const SIGNED_BASE = 'https://bench.example.test';

export async function webhookUsage(quick: boolean) {
  const count = quick ? 40 : 200;
  const azurite = await startAzurite();
  const proxies = await startStorageCountingProxies(azurite.connectionString);
  const { queue: queueProxy, table: tableProxy } = proxies;
  const host = await startHost({
    AzureWebJobsStorage: proxies.connectionString,
    WEBHOOK_BASE_URL: SIGNED_BASE,
    EVENTS_QUEUE: 'bench-usage-events',
    SMS_AUTO_REPLY: 'Thanks, we got your message.',
    ...MOCK_TWILIO_CREDENTIALS,
  });
  try {
    const rows = [];
    for (const [name, params] of [
      ['voice', voiceCallParams()],
      ['sms', smsParams()],
    ] as const) {
      const post = (i: number) => {
        const body = {
          ...params,
          [name === 'voice' ? 'CallSid' : 'MessageSid']: `${name === 'voice' ? 'CA' : 'SM'}${String(i).padStart(32, '0')}`,
        };
        return fetch(
          `${host.baseUrl}/api/${name}`,
          twilioPost(MOCK_TWILIO_CREDENTIALS.TWILIO_AUTH_TOKEN, `${SIGNED_BASE}/api/${name}`, body),
        );
      };
      // The first request loads the function; it is not counted.
      await (await post(0)).text();
      await new Promise((r) => setTimeout(r, 200));
      const requestsBefore = [...queueProxy.requests, ...tableProxy.requests].filter((r) => isMessageWork(r.kind)).length;
      const cpuBefore = cpuMsOf(host.process.pid!);
      const logBefore = host.output().length;
      for (let i = 1; i <= count; i++) {
        const answer = await post(i);
        if (answer.status !== 200) throw new Error(`${name} answered ${answer.status}: ${await answer.text()}`);
        await answer.text();
      }
      await new Promise((r) => setTimeout(r, 200));
      rows.push({
        name,
        requests: count,
        storageRequestsPerWebhook: round(
          ([...queueProxy.requests, ...tableProxy.requests].filter((r) => isMessageWork(r.kind)).length - requestsBefore) / count,
          2,
        ),
        logBytesPerWebhook: Math.round((host.output().length - logBefore) / count),
        hostCpuMsPerWebhook: round((cpuMsOf(host.process.pid!) - cpuBefore) / count, 3),
      });
    }
    return rows;
  } finally {
    await host.stop();
    await proxies.stop();
    await azurite.stop();
  }
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

interface Price {
  usd: number;
}

/**
 * Dollars per 1,000 webhooks and per 1,000 outbound messages from the measured figures and bench/prices.json:
 * storage transactions, log ingestion and execution time on Flex Consumption's on-demand meter. Undefined when the
 * prices file is missing.
 */
export function dollarsPerThousand(
  root: string,
  perWebhook: Array<{ name: string; storageRequestsPerWebhook: number; logBytesPerWebhook: number; hostCpuMsPerWebhook: number }>,
  perMessage: { storageRequests: number; logBytes: number; cpuMs: number },
) {
  const file = join(root, 'bench', 'prices.json');
  if (!existsSync(file)) return undefined;
  const { prices } = JSON.parse(readFileSync(file, 'utf8')) as { prices: Record<string, Price | undefined> };
  const price = (...names: string[]) => {
    for (const name of names) {
      const entry = prices[name];
      if (entry && typeof entry === 'object' && typeof entry.usd === 'number') return entry.usd;
    }
    throw new Error(`bench/prices.json has none of ${names.join(', ')}`);
  };
  // Queue and table transactions are priced alike per 10,000; the queue's price stands for both.
  const perTransaction = price('storageQueueTransactionsPer10k') / 10_000;
  const perGb = price('logAnalyticsIngestionPerGb');
  const perGbSecond = price('flexOnDemandGbSecond');
  const memoryGb = 2048 / 1024;
  const cost = (storageRequests: number, logBytes: number, cpuMs: number) => {
    const storage = storageRequests * perTransaction * 1000;
    const logs = ((logBytes * 1000) / 1e9) * perGb;
    // Flex bills instance memory for the time executions run; CPU time is the floor of that time.
    const execution = ((cpuMs * 1000) / 1000) * memoryGb * perGbSecond;
    return {
      storage: round(storage, 5),
      logs: round(logs, 5),
      execution: round(execution, 5),
      total: round(storage + logs + execution, 5),
    };
  };
  return {
    webhooks: Object.fromEntries(
      perWebhook.map((w) => [w.name, cost(w.storageRequestsPerWebhook, w.logBytesPerWebhook, w.hostCpuMsPerWebhook)]),
    ),
    outboundMessages: cost(perMessage.storageRequests, perMessage.logBytes, perMessage.cpuMs),
  };
}
