// The ledger's table I/O against Azurite: optimistic writes that skip the read, and their fallback when the
// caller's belief about the stored row is wrong.
import { startAzurite, type RunningAzurite } from '../../devhost/services';
import { readLedgerRow, updateLedgerRow } from '../../shared/outbound/ledgerTable';
import { callback, claim, sent } from '../../shared/outbound/ledger';
import { resetSettingsForTests } from '../../shared/platform/settings';
import { resetStorageClientsForTests } from '../../shared/platform/storageClients';

let azurite: RunningAzurite;
const env = { ...process.env };

beforeAll(async () => {
  azurite = await startAzurite();
  Object.assign(process.env, { AzureWebJobsStorage: azurite.connectionString, OUTBOUND_LEDGER: 'ledgeriotest' });
  resetSettingsForTests();
  resetStorageClientsForTests();
});

afterAll(async () => {
  process.env = env;
  resetSettingsForTests();
  resetStorageClientsForTests();
  await azurite?.stop();
});

const now = new Date('2026-11-26T12:00:00Z');
const claimFor = (key: string, claimId: string) => claim({ key, claimId, now, leaseMs: 60_000, info: { type: 'sms', to: '+15551234567' } });

test('a claim expecting a new key inserts without reading, and a send recorded by ETag needs no read either', async () => {
  const claimed = await updateLedgerRow('fresh-key', claimFor('fresh-key', 'c1'), { expect: 'absent' });
  expect(claimed).toMatchObject({ changed: true, previous: undefined, row: { status: 'sending', claimId: 'c1' } });
  expect(claimed.etag).toEqual(expect.any(String));
  const done = await updateLedgerRow('fresh-key', sent({ sid: 'SM1', twilioStatus: 'queued', now, reconciled: false }), {
    expect: { row: claimed.row!, etag: claimed.etag! },
  });
  expect(done).toMatchObject({ changed: true, row: { status: 'sent', sid: 'SM1' } });
  expect(await readLedgerRow('fresh-key')).toMatchObject({ status: 'sent', sid: 'SM1', attempts: 1 });
});

test('expecting a new key that already exists falls back to reading it: the second claim sees the first', async () => {
  await updateLedgerRow('taken-key', claimFor('taken-key', 'first'), { expect: 'absent' });
  const second = await updateLedgerRow('taken-key', claimFor('taken-key', 'second'), { expect: 'absent' });
  expect(second.previous).toMatchObject({ status: 'sending', claimId: 'first' });
  expect(await readLedgerRow('taken-key')).toMatchObject({ claimId: 'first' });
});

test('an update by a stale ETag re-reads and applies to what is stored, so a callback that came first is kept', async () => {
  const claimed = await updateLedgerRow('raced-key', claimFor('raced-key', 'c1'), { expect: 'absent' });
  // A status callback completes the row between this attempt's claim and its own write.
  await updateLedgerRow('raced-key', callback({ kind: 'sms', sid: 'SM9', twilioStatus: 'delivered', now }));
  const late = await updateLedgerRow('raced-key', sent({ sid: 'SM9', twilioStatus: 'queued', now, reconciled: false }), {
    expect: { row: claimed.row!, etag: claimed.etag! },
  });
  expect(late.previous?.status).toBe('delivered');
  expect(await readLedgerRow('raced-key')).toMatchObject({ status: 'delivered', sid: 'SM9' });
});
