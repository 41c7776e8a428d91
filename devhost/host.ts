// The local Functions host: loads the built app with @azure/functions-core provided, serves its HTTP
// functions and drives its queue triggers from storage, following host.json.
import type { Server } from 'node:http';
import { loadApp, type FunctionRegistry } from './core';
import { queueOutputWriter, queueService } from './queueOutput';
import { readHostConfig, type HostConfig } from '../shared/platform/hostJson';
import { createHttpServer, httpRoutes } from './httpServer';
import { QueueListener } from './queueListener';
import { TimerListener } from './timerTrigger';

export interface LocalHostOptions {
  appRoot: string;
  port: number;
  hostname?: string;
  log?: (line: string) => void;
  /** How long the queue listeners hold a message invisible before renewing (default 600 s, as the host). */
  queueLeaseSeconds?: number;
}

export interface LocalHost {
  registry: FunctionRegistry;
  config: HostConfig;
  baseUrl: string;
  stop(): Promise<void>;
}

const defaultLog = (line: string) => console.log(line);

export async function startLocalHost(options: LocalHostOptions): Promise<LocalHost> {
  const log = options.log ?? defaultLog;
  const hostname = options.hostname ?? '127.0.0.1';
  process.env.AZURE_FUNCTIONS_ENVIRONMENT ??= 'Development';
  const config = readHostConfig(options.appRoot);
  const registry = await loadApp(options.appRoot, log);
  registry.queueOutputs = queueOutputWriter(config.queues.messageEncoding);

  const server: Server = createHttpServer(registry, config.routePrefix, log);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, hostname, resolve);
  });
  const { port } = server.address() as { port: number };
  const baseUrl = `http://localhost:${port}`;

  const listeners: QueueListener[] = [];
  for (const fn of registry.functions.filter((f) => f.trigger.type === 'queueTrigger')) {
    const service = await queueService(String(fn.trigger.connection ?? 'AzureWebJobsStorage'));
    const listener = new QueueListener(
      registry,
      fn,
      service,
      { ...config.queues, processingLeaseSeconds: options.queueLeaseSeconds },
      { log },
    );
    listener.start();
    listeners.push(listener);
  }

  const timers = registry.functions.filter((f) => f.trigger.type === 'timerTrigger').map((fn) => new TimerListener(registry, fn, { log }));
  for (const timer of timers) timer.start();

  log('\nFunctions:\n');
  for (const route of httpRoutes(registry)) {
    log(
      `\t${route.fn.metadata.name}: [${route.methods.join(',')}] ${baseUrl}/${config.routePrefix ? `${config.routePrefix}/` : ''}${route.route.template}\n`,
    );
  }
  for (const fn of registry.functions.filter((f) => f.trigger.type !== 'httpTrigger')) {
    const detail = fn.trigger.queueName
      ? ` (queue ${String(fn.trigger.queueName)})`
      : fn.trigger.schedule
        ? ` (${String(fn.trigger.schedule)})`
        : '';
    log(`\t${fn.metadata.name}: ${fn.trigger.type}${detail}\n`);
  }
  log('Host started');

  return {
    registry,
    config,
    baseUrl,
    async stop() {
      await Promise.all([...listeners.map((l) => l.stop()), ...timers.map((t) => t.stop())]);
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
