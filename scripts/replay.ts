// npm run replay: moves messages from <queue>-poison back onto the queue, keeping each one's key so that its ledger
// row continues from `poisoned` (looked up on Twilio before any resend). See shared/outbound/replay.ts for which key.
//   npm run replay -- --dry-run
//   npm run replay -- --key order-42 --key order-43
//   npm run replay -- --older-than 1h
import { useLocalSettings } from '../devhost/localSettings';
import { listPoisonedRows } from '../shared/outbound/ledgerTable';
import { decideReplay, parseDuration, recipientToMatch, type PoisonMessage, type ReplayFilter } from '../shared/outbound/replay';
import { settings } from '../shared/platform/settings';
import { queueClient } from '../shared/platform/storageClients';
import { parseToolArgs, runTool, UsageError } from './toolCli';

const USAGE = `Usage:
  npm run replay -- [--dry-run] [--key KEY]... [--older-than AGE] [--newer-than AGE]

Moves messages from <OUTBOUND_QUEUE>-poison back onto OUTBOUND_QUEUE. Their ledger rows continue from
'poisoned': each is looked up on Twilio before anything is sent again.

Options:
  --dry-run           list what would be moved; move nothing (the listed messages stay hidden for --hide-seconds)
  --key KEY           only this idempotency key (repeatable)
  --older-than AGE    only messages poisoned at least AGE ago (90s, 15m, 2h, 7d)
  --newer-than AGE    only messages poisoned at most AGE ago
  --hide-seconds N    how long each message read stays hidden from other readers (default 30)
Storage and queue names come from the app's settings (local.settings.json or the environment).`;

const RECEIVE_BATCH = 32;
const DEFAULT_HIDE_SECONDS = 30;

function duration(option: string, text: string): number {
  try {
    return parseDuration(text);
  } catch (error) {
    throw new UsageError(`${option}: ${(error as Error).message}`);
  }
}

async function main(args: string[]): Promise<number> {
  const { values, positionals } = parseToolArgs(
    args,
    {
      'dry-run': { type: 'boolean' },
      key: { type: 'string', multiple: true },
      'older-than': { type: 'string' },
      'newer-than': { type: 'string' },
      'hide-seconds': { type: 'string' },
    },
    true,
  );
  if (positionals.length) throw new UsageError(`Unexpected argument: ${positionals.join(' ')}`);
  useLocalSettings(process.cwd());
  const filter: ReplayFilter = {
    keys: values.key ?? [],
    olderThanMs: values['older-than'] ? duration('--older-than', values['older-than']) : undefined,
    newerThanMs: values['newer-than'] ? duration('--newer-than', values['newer-than']) : undefined,
  };
  const dryRun = values['dry-run'] === true;
  const hideSeconds = Number(values['hide-seconds'] ?? DEFAULT_HIDE_SECONDS);
  if (!Number.isInteger(hideSeconds) || hideSeconds < 1)
    throw new UsageError('--hide-seconds must be a whole number of seconds, at least 1');
  const queueName = settings().outboundQueue;
  const [queue, poison] = await Promise.all([queueClient(queueName), queueClient(`${queueName}-poison`)]);
  const now = new Date();
  const seen = new Set<string>();
  let moved = 0;
  let skipped = 0;
  for (;;) {
    const { receivedMessageItems: items } = await poison.receiveMessages({
      numberOfMessages: RECEIVE_BATCH,
      visibilityTimeout: hideSeconds,
    });
    const fresh = items.filter((item) => !seen.has(item.messageId));
    if (!fresh.length) break;
    for (const item of fresh) {
      seen.add(item.messageId);
      const message: PoisonMessage = { messageId: item.messageId, text: item.messageText, insertedOn: item.insertedOn };
      const recipient = recipientToMatch(item.messageText);
      const rows = recipient ? await listPoisonedRows(recipient) : [];
      const decision = decideReplay(message, rows, filter, now);
      if (decision.action === 'skip') {
        skipped++;
        console.log(`skip    ${decision.key ?? item.messageId}: ${decision.reason}`);
        continue;
      }
      if (!dryRun) {
        // Enqueue before deleting: a crash in between leaves a second copy, which the ledger makes harmless.
        await queue.sendMessage(decision.text, { messageTimeToLive: -1 });
        await poison.deleteMessage(item.messageId, item.popReceipt);
      }
      moved++;
      console.log(`${dryRun ? 'would move' : 'moved'} ${decision.key} (${decision.how})`);
    }
  }
  console.log(
    `${dryRun ? 'Dry run: would move' : 'Moved'} ${moved} message(s) from ${queueName}-poison to ${queueName}; skipped ${skipped}.`,
  );
  return 0;
}

void runTool({ usage: USAGE, main });
