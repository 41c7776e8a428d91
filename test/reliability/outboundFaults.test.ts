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
    hopSeconds: 2,
    reconcileAfterSeconds: 1,
    poisonSweepSchedule: '*/2 * * * * *',
    // Due in 20 and 30 s: past the turns, so that their hops meet the faults and then a queue quiet enough to pick them up early.
    longestScheduleMs: 30_000,
    ...(process.env.FAULTS_HOST_LOG ? { hostLogFile: process.env.FAULTS_HOST_LOG } : {}),
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
  // Two kills: the turn's, and one during the Key Vault outage; a third between a recording's copy and its notification.
  expect(result.faults).toMatchObject({ azuriteRestarts: 1, appKills: 3, vaultOutages: 1, killsMidRecording: 1 });
  expect(result.faults.vaultConnectionsDropped).toBeGreaterThan(0);
  expect(result.faults.twilioRefusals).toBeGreaterThan(0);
});

test('no message is lost and none is sent twice', () => {
  expect(result.drained).toBe(true);
  expect({ lost: result.lost, duplicated: result.duplicated }).toEqual({ lost: 0, duplicated: 0 });
});

test('every message ends sent, rejected, failed or poisoned as the ledger records it, with nothing else wrong', () => {
  const accounted = Object.values(result.outcomes).reduce((sum, n) => sum + n, 0);
  // The workload's messages and the surface's keys (cancels, batch recipients, recording notifications, long schedules).
  expect(accounted).toBe(result.audit.messages);
  expect(result.audit.messages).toBeGreaterThan(result.messages);
  expect({ problems: result.problems, report: result.problems.length ? report() : '' }).toEqual({ problems: [], report: '' });
});

test('invalid messages and opted-out recipients are rejected, and Twilio refusals recorded as failed', () => {
  expect(result.outcomes.rejected).toBeGreaterThan(0);
  expect(result.outcomes.failed ?? 0).toBeGreaterThan(0);
  expect(result.audit.unexpected).toBe(0);
});

describe('the rest of the outbound surface, under the same faults', () => {
  const surface = () => result.surface;
  const examples = () => Object.values(result.surface).flatMap((part) => part.examples);

  test('every ledger status change has its twilio.outbound.status event, under one id', () => {
    expect(surface().events.changes).toBeGreaterThan(result.messages);
    expect({ lost: surface().events.lost, duplicated: surface().events.duplicated, orphans: surface().events.orphans }).toEqual({
      lost: 0,
      duplicated: 0,
      orphans: 0,
    });
  });

  test('each voicemail recording is copied and texted once, the host killed between the copy and the enqueue included', () => {
    const { recordings } = surface();
    expect(result.faults.killsMidRecording).toBe(1);
    expect(recordings).toMatchObject({ violations: 0, survivedKill: 1 });
    // A notification the faults poisoned (or Twilio refused) is accounted for in the ledger; every other is texted once.
    expect(recordings.notifiedOnce + recordings.notificationsUnsent).toBe(recordings.recordings);
    expect(recordings.linksOpened).toBe(recordings.notifiedOnce);
  });

  test('a cancel racing the send ends canceled and never created, or sent once and the cancel refused', () => {
    const { cancels } = surface();
    expect({ violations: cancels.violations, examples: cancels.examples }).toEqual({ violations: 0, examples: [] });
    expect(cancels.canceled + cancels.refused).toBe(cancels.cancels);
    expect(cancels.canceled).toBeGreaterThan(0);
  });

  test('a batch posted again by its producer sends each recipient once', () => {
    const { batches } = surface();
    expect({ violations: batches.violations, examples: batches.examples }).toEqual({ violations: 0, examples: [] });
    // A recipient the faults poisoned is in the poison queue, accounted for; every other is sent once.
    expect(batches.sentOnce + batches.poisoned).toBe(batches.recipients);
    expect(batches.posts).toBeGreaterThanOrEqual(2 * batches.batches);
  });

  test('status re-checks of rows without callbacks converge and stop after the last check', () => {
    const { rechecks } = surface();
    expect({ violations: rechecks.violations, examples: rechecks.examples }).toEqual({ violations: 0, examples: [] });
    expect(rechecks.final).toBeGreaterThan(0);
    expect(rechecks.checksEnded).toBeGreaterThan(0);
    expect(rechecks.final + rechecks.checksEnded).toBe(rechecks.rows);
  });

  test('long schedules hop across the faults and are each sent once, not before they are due', () => {
    const { schedules } = surface();
    expect({ violations: schedules.violations, examples: schedules.examples }).toEqual({ violations: 0, examples: [] });
    expect(schedules.sentOnTime + schedules.poisoned).toBe(schedules.schedules);
    // Each came back before it was due at least once and went back on the queue (hops of 2 s).
    expect({ fewestHops: Math.min(schedules.fewestHops, 1), hops: schedules.hops }).toEqual({ fewestHops: 1, hops: expect.any(Number) });
  });

  test("an assistant call's message and text reach Twilio once, whatever Twilio retried, and each call has one activity row", () => {
    const { calls } = surface();
    expect({ violations: calls.violations, examples: calls.examples }).toEqual({ violations: 0, examples: [] });
    expect(calls.calls).toBeGreaterThan(0);
    // The caller was told about each (a turn the faults turned into the fallback tells nothing), and each went out once.
    expect(calls.messagesConfirmed).toBeGreaterThan(0);
    expect([calls.messagesSentOnce, calls.textsSentOnce]).toEqual([calls.messagesConfirmed, calls.textsConfirmed]);
    expect(calls.activityOnce).toBe(calls.calls);
  });

  test('AMD results posted with the callbacks, in order, reordered, replayed, land in their rows; a machine at its beep is switched once', () => {
    const { amd } = surface();
    expect({ violations: amd.violations, examples: amd.examples }).toEqual({ violations: 0, examples: [] });
    expect(amd.recorded).toBe(amd.calls);
  });

  test('every Event Streams event answered 200 is on the events queue once, or again only after a kill or a dropped send', () => {
    const { streams } = surface();
    expect({ lost: streams.lost, duplicated: streams.duplicated, examples: streams.examples }).toEqual({
      lost: 0,
      duplicated: 0,
      examples: [],
    });
    // Published again only when the sink could not know the first publish landed (docs/event-streams.md).
    expect(streams.publishedOnce + streams.duplicatedUnknowable).toBe(streams.events);
    expect(streams.events).toBeGreaterThan(0);
  });

  test('nothing else went wrong', () => {
    expect(examples()).toEqual([]);
  });
});
