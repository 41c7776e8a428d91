// npm run events: prints the app's events (EVENTS_QUEUE) as they arrive, one line each, or as raw CloudEvents (--json).
// It peeks: the events stay on the queue for whatever consumes them, unless --consume is given.
import { useLocalSettings } from '../devhost/localSettings';
import { eventLine, unseen } from '../shared/operations/eventLines';
import { settings } from '../shared/platform/settings';
import { queueClient } from '../shared/platform/storageClients';
import { storageOutage } from '../shared/platform/storageUnavailable';
import { parseToolArgs, runTool, UsageError } from './toolCli';

const USAGE = `Usage:
  npm run events [-- --json] [--consume] [--once] [--queue NAME]

Prints each event on the events queue (EVENTS_QUEUE, default twilio-events) as it arrives: time, type (with the
status of an outbound status event), subject and id, one line each. Ctrl+C stops.

Options:
  --json      print each event as the raw CloudEvent JSON, one per line
  --consume   delete each event once printed (without it the events stay on the queue: it only peeks)
  --once      print what is on the queue now and stop
  --queue N   another queue than EVENTS_QUEUE

Peeking sees the oldest 32 messages of a queue; when more are waiting it says so (--consume reads them all).`;

const PEEK_LIMIT = 32;
const POLL_MS = 1000;

const OPTIONS = {
  json: { type: 'boolean' },
  consume: { type: 'boolean' },
  once: { type: 'boolean' },
  queue: { type: 'string' },
} as const;

async function main(args: string[]): Promise<number> {
  const { values, positionals } = parseToolArgs(args, OPTIONS, true);
  if (positionals.length) throw new UsageError(`Unexpected argument: ${positionals.join(' ')}`);
  useLocalSettings(process.cwd());
  const name = values.queue ?? settings().events.queue;
  if (!name) throw new UsageError('EVENTS_QUEUE is set empty, so the app sends no events: set it (default twilio-events) or pass --queue.');
  const queue = await queueClient(name);
  const print = (text: string) => console.log(values.json ? text : eventLine(text));
  const seen = new Set<string>();
  let warnedFull = false;
  let stopping = false;
  process.once('SIGINT', () => (stopping = true)).once('SIGTERM', () => (stopping = true));
  if (!values.once) console.error(`Watching queue ${name}${values.consume ? ' (consuming)' : ''}; Ctrl+C stops.`);
  while (!stopping) {
    if (values.consume) {
      const { receivedMessageItems: items } = await queue.receiveMessages({ numberOfMessages: PEEK_LIMIT, visibilityTimeout: 30 });
      for (const item of items) {
        print(item.messageText);
        await queue.deleteMessage(item.messageId, item.popReceipt);
      }
      if (items.length === PEEK_LIMIT) continue;
    } else {
      const { peekedMessageItems: items } = await queue.peekMessages({ numberOfMessages: PEEK_LIMIT });
      for (const item of unseen(seen, items)) print(item.messageText);
      if (items.length === PEEK_LIMIT && !warnedFull) {
        const waiting = (await queue.getProperties()).approximateMessagesCount ?? PEEK_LIMIT;
        if (waiting > PEEK_LIMIT) {
          warnedFull = true;
          console.error(
            `${waiting} events wait on ${name}; peeking sees the oldest ${PEEK_LIMIT}. --consume reads (and deletes) them all.`,
          );
        }
      }
    }
    if (values.once) break;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return 0;
}

void runTool({
  usage: USAGE,
  main,
  explain: async (error) => {
    const outage = await storageOutage(error);
    return outage
      ? { message: `Storage is not reachable (${outage}): start the app with npm start, which starts Azurite.`, exitCode: 1 }
      : undefined;
  },
});
