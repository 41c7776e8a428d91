// npm run forget-number: erases one phone number on request, from every store of the app that holds it (the ledger,
// the opt-outs, the auto-reply counts, the activity table, the assistant's conversations, the voicemail recordings
// and the poison queues). It shows what it found first and deletes only with --yes; the report counts per store and never
// prints the number. The rules: shared/operations/forgetNumber.ts; what else holds personal data: docs/threat-model.md.
import { useLocalSettings } from '../devhost/localSettings';
import { describeCounts, forgetNumber, normaliseNumber } from '../shared/operations/forgetNumber';
import { storageForgetIo } from '../shared/operations/forgetNumberIo';
import { SettingsError } from '../shared/platform/declareSettings';
import { storageOutage } from '../shared/platform/storageUnavailable';
import { parseToolArgs, runTool, UsageError } from './toolCli';

const USAGE = `Usage:
  npm run forget-number -- [--yes] <number>

Erases one number (E.164, e.g. +15551234567; spaces, dashes, dots and brackets are ignored) from the outbound
ledger, the opt-outs, the auto-reply counts, the activity table, the assistant's conversations of its calls, its
voicemail recordings and the poison queues' messages that hold it. A stored address matches when it is exactly that number, or it with whatsapp: or sms: before
it; never by a part of its digits. Without --yes it only counts what it would delete. Ledger rows still in flight,
poisoned or canceled are kept (the report says how many): run it again once they have settled.`;

async function main(args: string[]): Promise<number> {
  const { values, positionals } = parseToolArgs(args, { yes: { type: 'boolean' } }, true);
  if (positionals.length === 0) throw new UsageError('Give the number to erase.');
  if (positionals.length > 1) throw new UsageError(`One number at a time: unexpected ${positionals.slice(1).join(' ')}`);
  const normalised = normaliseNumber(positionals[0]);
  if (!normalised.ok) throw new UsageError(`Not a number: ${normalised.problem}.`);
  useLocalSettings(process.cwd());
  const apply = values.yes === true;
  const counts = await forgetNumber(normalised.number, storageForgetIo(), { apply });
  console.log(apply ? 'Erased the number:' : 'The number is held in:');
  for (const line of describeCounts(counts, apply)) console.log(line);
  if (!apply) console.log('Nothing was deleted: run with --yes to erase.');
  return 0;
}

void runTool({
  usage: USAGE,
  main,
  explain: async (error) => {
    if (error instanceof SettingsError) return { message: error.message, exitCode: 2 };
    const outage = await storageOutage(error);
    return outage ? { message: `Storage is not reachable: ${outage}. Run it again: an erasure can be repeated.`, exitCode: 1 } : undefined;
  },
});
