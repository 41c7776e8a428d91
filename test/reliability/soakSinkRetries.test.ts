// The soak's side of Event Streams and its attribution of time: failed sink deliveries retried as Twilio retries
// them, each sink event counted on the events queue (once, lost, twice), and each process's CPU sampled from /proc.
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { QueueClient } from '@azure/storage-queue';
import { startAzurite, type RunningAzurite } from '../../devhost/services';
import { startEventsSubscriber } from '../../harness/soak/eventsSubscriber';
import { meanCores, startCpuSampler } from '../../harness/soak/processCpu';
import { startSinkRetries, type SinkDelivery } from '../../harness/soak/sinkRetries';
import { minuteLatencies } from '../../harness/soak/webhookLoad';

const FAST = { firstDelayMs: 10, maxDelayMs: 40, unansweredAfterMs: 300, random: () => 0.5 };

/** A sink that answers each request with the next of `answers` (the last one repeats), after `delayMs`. */
async function scriptedSink(answers: Array<[number, string]>, delayMs = 0): Promise<{ url: string; requests: string[]; server: Server }> {
  const requests: string[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      requests.push(body);
      const [status, text] = answers[Math.min(requests.length - 1, answers.length - 1)];
      setTimeout(() => response.writeHead(status).end(text), delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, server };
}

const delivery = (ids: string[]): SinkDelivery => ({ path: '/api/event-streams', headers: {}, body: JSON.stringify(ids), ids });

describe('Event Streams deliveries retried as Twilio retries them', () => {
  const servers: Server[] = [];
  afterEach(() => Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve)))));

  test('a 503 is sent again, with the same body, until a 200', async () => {
    const sink = await scriptedSink([
      [503, 'busy'],
      [200, 'Published 0 event(s); 2 already published.\n'],
    ]);
    servers.push(sink.server);
    const retries = startSinkRetries(sink.url, FAST);
    const token = retries.sent(delivery(['EZ1', 'EZ2']));
    // The load's own first try was answered 503: not a wrong answer, a retry.
    expect(retries.answered(token, 503, 'The events sink is unavailable. Retry.\n')).toBeUndefined();
    const figures = await retries.drain(5_000);
    expect(sink.requests).toEqual([JSON.stringify(['EZ1', 'EZ2']), JSON.stringify(['EZ1', 'EZ2'])]);
    expect(figures).toMatchObject({
      batches: 1,
      events: 2,
      firstTry: 0,
      retried: 1,
      retries: 2,
      failedTries: { '503': 2 },
      stillFailing: 0,
      refused: 0,
    });
    expect(retries.ids()).toEqual(['EZ1', 'EZ2']);
  });

  test('a 200 after Twilio stopped waiting is retried too', async () => {
    const sink = await scriptedSink([[200, 'Published 0 event(s); 1 already published.\n']]);
    servers.push(sink.server);
    const retries = startSinkRetries(sink.url, { ...FAST, timeoutMs: 100 });
    const token = retries.sent(delivery(['EZ3']));
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(retries.answered(token, 200, 'Published 1 event(s).\n')).toBeUndefined();
    expect(await retries.drain(2_000)).toMatchObject({
      firstTry: 0,
      retried: 1,
      retries: 1,
      failedTries: { 'over 0.1 s': 1 },
      stillFailing: 0,
    });
    expect(sink.requests).toHaveLength(1);
  });

  test('a first try never answered is retried after a while; a batch never answered 200 is still failing at the end', async () => {
    const slow = await scriptedSink([[200, 'Published 1 event(s).\n']], 150);
    servers.push(slow.server);
    const retries = startSinkRetries(slow.url, { ...FAST, timeoutMs: 100 });
    retries.sent(delivery(['EZ7']));
    const figures = await retries.drain(2_000);
    // Retried 300 ms after the load sent it; each retry's 200 comes after 150 ms, when Twilio has given up at 100.
    expect(figures.failedTries['no answer']).toBeGreaterThanOrEqual(2);
    expect(slow.requests.length).toBeGreaterThanOrEqual(1);
    expect(figures.stillFailing).toBe(1);
    expect(figures.examples[0]).toMatch(/^no 200 after \d+ tries: EZ7$/);
  });

  test('an answer Twilio does not retry is a wrong answer, and its batch is counted as refused', async () => {
    const retries = startSinkRetries('http://127.0.0.1:9', FAST);
    const token = retries.sent(delivery(['EZ4']));
    expect(retries.answered(token, 400, 'Not a JSON array of events.\n')).toBe('status 400: Not a JSON array of events.\n');
    const figures = await retries.drain(200);
    expect(figures).toMatchObject({ refused: 1, retries: 0, stillFailing: 0, firstTry: 0 });
  });

  test('a 200 in time on the first try is done', async () => {
    const retries = startSinkRetries('http://127.0.0.1:9', FAST);
    const token = retries.sent(delivery(['EZ5', 'EZ6']));
    expect(retries.answered(token, 200, 'Published 2 event(s).\n')).toBeUndefined();
    expect(await retries.drain(200)).toMatchObject({ firstTry: 1, retried: 0, retries: 0, stillFailing: 0 });
  });
});

describe('the events subscriber, counting the sink events', () => {
  let azurite: RunningAzurite;
  beforeAll(async () => {
    azurite = await startAzurite();
  }, 60_000);
  afterAll(() => azurite?.stop());

  test('each id sent is once, lost or duplicated, whether the message is text or base64', async () => {
    const queue = new QueueClient(azurite.connectionString, 'subscriber-count');
    await queue.create();
    const event = (id: string) => JSON.stringify({ id, type: 'com.twilio.messaging.message.delivered' });
    await queue.sendMessage(event('EZa'));
    await queue.sendMessage(Buffer.from(event('EZb')).toString('base64'));
    await queue.sendMessage(event('EZb'));
    await queue.sendMessage('not an event');
    const subscriber = startEventsSubscriber(azurite.connectionString, 'subscriber-count');
    const result = await subscriber.stop(['EZa', 'EZb', 'EZc'], 3_000);
    expect(result).toMatchObject({ consumed: 4, notEvents: 1 });
    expect(result.sinkEvents).toEqual({
      sent: 3,
      once: 1,
      lost: 1,
      duplicated: 1,
      examples: ['EZc never published', 'EZb published 2 times'],
    });
  });
});

describe('where the CPU goes', () => {
  test('a busy process shows near a core under its name, an idle one near nothing, each with its children', async () => {
    // The busy loop runs in the busy process's child, and ends by itself.
    const loop = 'const end = Date.now() + 5000; while (Date.now() < end);';
    const busy = spawn(process.execPath, [
      '-e',
      `require('child_process').spawn(process.execPath, ['-e', '${loop}']); setInterval(() => {}, 1000)`,
    ]);
    const idle = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
    try {
      // Both started (Node's own start is CPU too), before the sampling begins.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const sampler = startCpuSampler({ busy: busy.pid!, idle: idle.pid! }, 300);
      await new Promise((resolve) => setTimeout(resolve, 1_300));
      const samples = sampler.stop();
      expect(samples.length).toBeGreaterThanOrEqual(3);
      const mean = meanCores(samples);
      // A loose bound: CI runs other suites beside this one on two cores.
      expect(mean.busy).toBeGreaterThan(0.2);
      expect(mean.idle).toBeLessThan(0.1);
      expect(mean.machine).toBeGreaterThanOrEqual(mean.busy - 0.1);
    } finally {
      busy.kill('SIGKILL');
      idle.kill('SIGKILL');
    }
  });
});

describe('latency per minute', () => {
  test('each minute with answers has its own percentiles, in order', () => {
    const byMinute: number[][] = [];
    byMinute[0] = Array.from({ length: 100 }, (_, i) => i + 1);
    byMinute[2] = [5, 5, 500];
    expect(minuteLatencies(byMinute)).toEqual([
      { minute: 0, answered: 100, p50: 51, p99: 100, max: 100 },
      { minute: 2, answered: 3, p50: 5, p99: 500, max: 500 },
    ]);
  });
});
