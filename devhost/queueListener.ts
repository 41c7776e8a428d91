// Drives a storage queue trigger the way the Functions host's queue listener does:
// - fetches up to batchSize messages, and fetches again once in-flight work drops to newBatchThreshold;
// - backs off polling exponentially up to maxPollingInterval while the queue is empty;
// - holds each message invisible while its function runs, renewing that lease at half its length (10 min
//   by default, as the host does), so a message whose host died comes back once the lease runs out;
// - on success deletes the message; on failure makes it visible again after visibilityTimeout;
// - once dequeueCount reaches maxDequeueCount, a failed message moves to <queue>-poison;
// - decodes per messageEncoding and passes triggerMetadata (Id, DequeueCount, InsertionTime, ...,
//   plus the JSON payload's own top-level fields, as the host's binding data does).
import { randomUUID } from 'node:crypto';
import type { DequeuedMessageItem, QueueClient, QueueServiceClient } from '@azure/storage-queue';
import type { FunctionRegistry, RegisteredFunction, RpcTypedData } from './core';
import type { QueueOptions } from '../shared/platform/hostJson';

// The host holds a message invisible while its function runs: 10 minutes, renewed while the function runs.
export const DEFAULT_PROCESSING_LEASE_SECONDS = 600;
const MIN_POLL_MS = 100;

export interface QueueListenerEvents {
  log(line: string): void;
}

export interface QueueListenerOptions extends QueueOptions {
  /** How long a received message stays invisible before its lease is renewed or runs out. */
  processingLeaseSeconds?: number;
}

interface Lease {
  /** The message's current pop receipt: each renewal changes it. */
  popReceipt(): string;
  /** Stops renewing and waits for a renewal in flight, so the receipt is final. */
  end(): Promise<void>;
}

function json(value: unknown): RpcTypedData {
  return { json: JSON.stringify(value) };
}

function payloadFields(text: string): Record<string, unknown> {
  try {
    const payload: unknown = JSON.parse(text);
    return payload && typeof payload === 'object' && !Array.isArray(payload) ? (payload as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function triggerMetadata(fn: RegisteredFunction, message: DequeuedMessageItem, text: string): Record<string, RpcTypedData> {
  const metadata: Record<string, RpcTypedData> = {
    QueueTrigger: { string: text },
    Id: { string: message.messageId },
    PopReceipt: { string: message.popReceipt },
    DequeueCount: json(message.dequeueCount),
    InsertionTime: json(message.insertedOn.toISOString()),
    ExpirationTime: json(message.expiresOn.toISOString()),
    NextVisibleTime: json(message.nextVisibleOn.toISOString()),
    sys: json({ MethodName: fn.metadata.name, UtcNow: new Date().toISOString(), RandGuid: randomUUID() }),
  };
  // The host merges the payload's top-level fields into binding data, and they win over built-in names
  // compared case-insensitively: a payload "id" hides the message Id (azure-functions-nodejs-library #459).
  for (const [key, value] of Object.entries(payloadFields(text))) {
    for (const builtIn of Object.keys(metadata)) if (builtIn.toLowerCase() === key.toLowerCase()) delete metadata[builtIn];
    metadata[key] = json(value);
  }
  return metadata;
}

function decode(messageText: string, encoding: QueueOptions['messageEncoding']): string {
  if (encoding === 'none') return messageText;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(messageText) || messageText.length % 4 !== 0) {
    throw new Error('Message is not valid base64, but host.json messageEncoding is base64');
  }
  return Buffer.from(messageText, 'base64').toString('utf8');
}

export class QueueListener {
  #running = false;
  #inFlight = new Set<Promise<void>>();
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  /** Ends a receive in flight when the listener stops: with storage down, the SDK's retries take many seconds. */
  #receiving = new AbortController();
  readonly queue: QueueClient;
  readonly poisonQueue: QueueClient;

  constructor(
    private readonly registry: FunctionRegistry,
    private readonly fn: RegisteredFunction,
    service: QueueServiceClient,
    private readonly options: QueueListenerOptions,
    private readonly events: QueueListenerEvents,
  ) {
    const queueName = String(fn.trigger.queueName);
    this.queue = service.getQueueClient(queueName);
    this.poisonQueue = service.getQueueClient(`${queueName}-poison`);
  }

  start(): void {
    this.#running = true;
    this.#loop = this.#run();
  }

  /** Stops fetching and waits for in-flight invocations to finish. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#wake?.();
    this.#receiving.abort();
    await this.#loop;
    await Promise.all(this.#inFlight);
  }

  async #sleep(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.#wake = undefined;
  }

  async #run(): Promise<void> {
    let pollDelay = MIN_POLL_MS;
    while (this.#running) {
      if (this.#inFlight.size > this.options.newBatchThreshold) {
        await Promise.race(this.#inFlight);
        continue;
      }
      let messages: DequeuedMessageItem[] = [];
      try {
        const result = await this.queue.receiveMessages({
          numberOfMessages: this.options.batchSize,
          visibilityTimeout: this.#leaseSeconds,
          abortSignal: this.#receiving.signal,
        });
        messages = result.receivedMessageItems;
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (!this.#running) break;
        if (code !== 'QueueNotFound') this.events.log(`Queue ${this.queue.name}: receive failed (${code ?? String(error)}); retrying`);
      }
      if (messages.length === 0) {
        await this.#sleep(pollDelay);
        pollDelay = Math.min(pollDelay * 2, this.options.maxPollingIntervalMs);
        continue;
      }
      pollDelay = MIN_POLL_MS;
      for (const message of messages) {
        const work = this.#process(message).finally(() => this.#inFlight.delete(work));
        this.#inFlight.add(work);
      }
    }
  }

  get #leaseSeconds(): number {
    return this.options.processingLeaseSeconds ?? DEFAULT_PROCESSING_LEASE_SECONDS;
  }

  /** Keeps a message invisible while its function runs by renewing its lease at half its length. */
  #hold(message: DequeuedMessageItem): Lease {
    let popReceipt = message.popReceipt;
    let renewing: Promise<void> | undefined;
    const renew = async () => {
      try {
        popReceipt =
          (await this.queue.updateMessage(message.messageId, popReceipt, undefined, this.#leaseSeconds)).popReceipt ?? popReceipt;
      } catch (error) {
        // Storage unreachable, or the lease already ran out and the message went to another receiver: it may
        // be delivered again, as with the real host. A lost lease cannot be renewed any more.
        const code = (error as { code?: string }).code;
        if (code === 'PopReceiptMismatch' || code === 'MessageNotFound') clearInterval(timer);
        this.events.log(
          `Queue ${this.queue.name}: could not renew the lease on message ${message.messageId} (${code ?? String(error)}); it may be delivered again`,
        );
      }
    };
    const timer = setInterval(() => {
      renewing ??= renew().finally(() => (renewing = undefined));
    }, this.#leaseSeconds * 500);
    timer.unref();
    return {
      popReceipt: () => popReceipt,
      end: async () => {
        clearInterval(timer);
        await renewing;
      },
    };
  }

  async #process(message: DequeuedMessageItem): Promise<void> {
    const name = this.fn.metadata.name;
    try {
      if (message.dequeueCount > this.options.maxDequeueCount) {
        await this.#moveToPoison(message);
        return;
      }
      let succeeded = false;
      const lease = this.#hold(message);
      try {
        const text = decode(message.messageText, this.options.messageEncoding);
        await this.registry.invoke(this.fn, { string: text }, triggerMetadata(this.fn, message, text));
        succeeded = true;
        this.events.log(`Executed '${name}' (Succeeded, Id=${message.messageId}, DequeueCount=${message.dequeueCount})`);
      } catch (error) {
        this.events.log(
          `Executed '${name}' (Failed, Id=${message.messageId}, DequeueCount=${message.dequeueCount}): ${error instanceof Error ? error.message : String(error)}`,
        );
      } finally {
        await lease.end();
      }
      const held = { ...message, popReceipt: lease.popReceipt() };
      if (succeeded) {
        await this.queue.deleteMessage(held.messageId, held.popReceipt);
      } else if (message.dequeueCount >= this.options.maxDequeueCount) {
        await this.#moveToPoison(held);
      } else {
        await this.queue.updateMessage(held.messageId, held.popReceipt, undefined, Math.round(this.options.visibilityTimeoutMs / 1000));
      }
    } catch (error) {
      // Storage unreachable: the lease expires and the message comes back, as with the real host.
      this.events.log(`Queue ${this.queue.name}: could not settle message ${message.messageId}: ${String(error)}`);
    }
  }

  async #moveToPoison(message: DequeuedMessageItem): Promise<void> {
    await this.poisonQueue.createIfNotExists();
    await this.poisonQueue.sendMessage(message.messageText);
    await this.queue.deleteMessage(message.messageId, message.popReceipt);
    this.events.log(
      `Message ${message.messageId} has reached MaxDequeueCount of ${this.options.maxDequeueCount}. Moving message to queue '${this.poisonQueue.name}'.`,
    );
  }
}
