// Child process for the webhook figures: loads the built app under the settings it is given (one process per
// configuration, since settings are read once) and prints the webhook cost rows of BENCH_CASES as JSON.
// With BENCH_HOST_WRITES, also the CPU the local host spends writing each queue output the webhooks set.
import type { HttpHandler } from '@azure/functions';
import { readHostConfig } from '../shared/platform/hostJson';
import { queueOutputWriter } from '../devhost/queueOutput';
import { loadBuiltApp } from './inProcess';
import { hostWriteCost, webhookCost, type WebhookCase } from './webhookCost';

async function main(): Promise<void> {
  const registry = await loadBuiltApp();
  // Each handler with the outputs the entry registered for it, as the host hands them to the invocation.
  const handlers = new Map(
    registry.functions.map((f) => [
      f.metadata.name,
      {
        handler: f.callback as unknown as HttpHandler,
        extraOutputs: Object.entries(f.metadata.bindings)
          .filter(([, b]) => b.direction === 'out' && b.type !== 'http')
          .map(([name, b]) => ({ ...b, name })),
      },
    ]),
  );
  const cases = JSON.parse(process.env.BENCH_CASES!) as WebhookCase[];
  const rows = await webhookCost(handlers, cases, process.env.TWILIO_AUTH_TOKEN!, Number(process.env.BENCH_ITERATIONS));
  if (process.env.BENCH_HOST_WRITES) {
    const write = queueOutputWriter(readHostConfig(process.env.BENCH_APP_ROOT!).queues.messageEncoding);
    for (const row of rows)
      if (row.outputs) Object.assign(row, await hostWriteCost(write, row.outputs, Number(process.env.BENCH_HOST_WRITES)));
  }
  // Which outputs were set, not their messages (the events carry the test's phone numbers).
  for (const row of rows)
    if (row.outputs) row.outputs = row.outputs.map(({ name, queueName }) => ({ name, queueName })) as typeof row.outputs;
  process.stdout.write(`${JSON.stringify(rows)}\n`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
