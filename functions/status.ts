import { app } from '@azure/functions';
import { updateLedgerRow } from '../shared/outbound/ledgerTable';
import { callback } from '../shared/outbound/ledger';
import { IDEMPOTENCY_KEY } from '../shared/outbound/fields';
import { parseStatusCallback } from '../shared/outbound/statusCallback';
import { twilioWebhook } from '../shared/webhook/webhookHttp';
import { ROUTES } from '../shared/platform/routes';

/**
 * Message and call status callbacks (/api/status?key=<idempotency key>, set by the outbound sender). Each one
 * moves the ledger row forward, never back, and writes one structured log line.
 */
export const status = twilioWebhook(async ({ params, url, context }) => {
  const update = parseStatusCallback(params);
  if (!update) {
    context.warn(JSON.stringify({ event: 'status-callback', outcome: 'ignored: neither MessageSid/MessageStatus nor CallSid/CallStatus' }));
    return { status: 400, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: 'Not a message or call status callback.\n' };
  }
  const key = url.searchParams.get('key') ?? undefined;
  const entry = {
    event: 'status-callback',
    key,
    kind: update.kind,
    sid: update.sid,
    twilioStatus: update.twilioStatus,
    errorCode: update.errorCode,
  };
  if (!key || !IDEMPOTENCY_KEY.test(key)) {
    context.log(JSON.stringify({ ...entry, outcome: 'no valid key in the callback URL; not an outbound-queue send' }));
    return { status: 204 };
  }
  const result = await updateLedgerRow(key, callback({ ...update, now: new Date() }));
  const outcome = !result.row
    ? 'no ledger row for this key'
    : result.row.sid !== update.sid
      ? 'another send under this key: its sid is recorded in duplicateSids'
      : result.changed
        ? 'applied'
        : 'ignored: the row is already this far or further';
  context.log(JSON.stringify({ ...entry, outcome, ledgerStatus: result.row?.status, duplicateSids: result.row?.duplicateSids }));
  return { status: 204 };
});

app.http('status', { methods: ['GET', 'POST'], authLevel: 'anonymous', route: ROUTES.status, handler: status });
