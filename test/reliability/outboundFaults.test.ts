// The soak's outbound fault phase, CI-sized: tens of messages from every producer while Twilio fails in every
// way the soak knows (429, 500, 503, timeout, reset, reset after doing the work), the host is killed, Key Vault
// is unreachable and Azurite is restarted, each once. Seeded; asserts outcomes only, never timing.
import { runOutboundFaults, type FaultRunResult } from '../../harness/soak/outboundFaults';
import { TWILIO_FAULT_KINDS } from '../../harness/soak/faultPlan';

let result: FaultRunResult;

beforeAll(async () => {
  result = await runOutboundFaults({
    messages: 40,
    seed: 8,
    twilioFaultRate: 0.2,
    turns: ['app-kill', 'vault-outage', 'azurite-restart'],
    outageMs: 2000,
    waveMs: 1500,
    drainTimeoutMs: 90_000,
    sendLeaseSeconds: 15,
    hostLeaseSeconds: 3,
    // The timeout fault's create reaches Twilio 0.3 s after the app gave up; the retry's lookup comes after this.
    visibilityTimeout: '00:00:02',
    maxDequeueCount: 5,
    secretsCacheTtlSeconds: 2,
  });
}, 180_000);

/** What a failure message needs to explain itself. */
const report = () =>
  JSON.stringify(
    { problems: result.problems, outcomes: result.outcomes, examples: result.audit.examples, faults: result.faults, log: result.log },
    null,
    2,
  );

test('every fault kind was injected', () => {
  expect(TWILIO_FAULT_KINDS.filter((kind) => !(result.faults.twilio[kind] > 0))).toEqual([]);
  expect(result.faults).toMatchObject({ azuriteRestarts: 1, appKills: 2, vaultOutages: 1 });
  expect(result.faults.vaultConnectionsDropped).toBeGreaterThan(0);
  expect(result.faults.twilioRefusals).toBeGreaterThan(0);
});

test('no message is lost and none is sent twice', () => {
  expect(result.drained).toBe(true);
  expect({ lost: result.lost, duplicated: result.duplicated }).toEqual({ lost: 0, duplicated: 0 });
});

test('every message ends sent, rejected, failed or poisoned as the ledger records it, with nothing else wrong', () => {
  const accounted = Object.values(result.outcomes).reduce((sum, n) => sum + n, 0);
  expect(accounted).toBe(result.messages);
  expect({ problems: result.problems, report: result.problems.length ? report() : '' }).toEqual({ problems: [], report: '' });
});

test('invalid messages and opted-out recipients are rejected, and Twilio refusals recorded as failed', () => {
  expect(result.outcomes.rejected).toBeGreaterThan(0);
  expect(result.outcomes.failed ?? 0).toBeGreaterThan(0);
  expect(result.audit.unexpected).toBe(0);
});
