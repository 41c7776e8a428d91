import { BATCH_LIMITS, parseBatch, republished, sequenceOf, type StreamEvent } from '../../../shared/eventStreams/batch';
import { traceIdOf } from '../../../shared/outbound/correlation';
import { streamEvent } from '../../../harness/eventStreamsBatch';

const CORRELATION = '0123456789abcdef0123456789abcdef';

describe('parseBatch', () => {
  test('a JSON array of CloudEvents is read as it came, in order', () => {
    const events = [streamEvent(1), streamEvent(2)];
    expect(parseBatch(JSON.stringify(events))).toEqual({ events, oversized: [] });
  });

  test('a sink that does not batch posts one object: a batch of one', () => {
    expect(parseBatch(JSON.stringify(streamEvent(1)))).toEqual({ events: [streamEvent(1)], oversized: [] });
  });

  test.each([
    ['not JSON', '[{"id":', 400, /not JSON/],
    ['an empty array', '[]', 400, /no events/],
    ['an element that is not an object', '[1]', 400, /^Event 0 is not an object/],
    [
      'an event without specversion 1.0',
      JSON.stringify([{ ...streamEvent(1), specversion: '0.3' }]),
      400,
      /^Event 0 has no specversion 1.0/,
    ],
    ['an event without an id', JSON.stringify([streamEvent(1), { ...streamEvent(2), id: '' }]), 400, /^Event 1 has no id/],
    ['an event without a type', JSON.stringify([{ ...streamEvent(1), type: undefined }]), 400, /^Event 0 has no type/],
    ['a time that is not a timestamp', JSON.stringify([{ ...streamEvent(1), time: 'yesterday' }]), 400, /time that is not a timestamp/],
    ['an attribute name CloudEvents does not allow', JSON.stringify([{ ...streamEvent(1), Bad_Name: 1 }]), 400, /attribute whose name/],
  ])('%s is refused with a 4xx and a reason', (_, body, status, reason) => {
    const result = parseBatch(body);
    expect(result).toMatchObject({ status });
    expect((result as { reason: string }).reason).toMatch(reason);
  });

  test('an oversized body or too many events: 413', () => {
    const small = { ...BATCH_LIMITS, maxBodyBytes: 100 };
    expect(parseBatch(JSON.stringify([streamEvent(1)]), small)).toMatchObject({ status: 413 });
    expect(parseBatch(JSON.stringify([streamEvent(1), streamEvent(2)]), { ...BATCH_LIMITS, maxEvents: 1 })).toMatchObject({ status: 413 });
  });

  test('an event too big for the queue does not refuse the batch: it is listed by position and size', () => {
    const big = { ...streamEvent(2), data: { text: 'x'.repeat(BATCH_LIMITS.maxEventBytes) } };
    const batch = [streamEvent(1), big, streamEvent(3)];
    expect(parseBatch(JSON.stringify(batch))).toEqual({
      events: batch,
      oversized: [{ index: 1, bytes: Buffer.byteLength(JSON.stringify(big)) }],
    });
  });

  test('a batch with an oversized event and a malformed one is still refused as a whole', () => {
    const big = { ...streamEvent(1), data: { text: 'x'.repeat(BATCH_LIMITS.maxEventBytes) } };
    expect(parseBatch(JSON.stringify([big, { ...streamEvent(2), id: '' }]))).toMatchObject({ status: 400 });
  });

  test('a reason never carries event data', () => {
    const result = parseBatch(JSON.stringify([{ ...streamEvent(1), specversion: '2', data: { to: '+14155550111' } }]));
    expect(JSON.stringify(result)).not.toContain('4155550111');
  });
});

describe('republished', () => {
  test('keeps every attribute and adds traceparent and sequence only', () => {
    const event = streamEvent(7);
    const out = republished(event, { correlationId: CORRELATION, index: 3 });
    const { traceparent, sequence, ...rest } = out;
    expect(rest).toEqual(event);
    expect(traceIdOf(traceparent as string)).toBe(CORRELATION);
    expect(sequence).toBe('000003');
  });

  test('keeps an extension the event already carried', () => {
    const event: StreamEvent = {
      ...streamEvent(1),
      sequence: '42',
      traceparent: '00-11111111111111111111111111111111-2222222222222222-01',
    };
    expect(republished(event, { correlationId: CORRELATION, index: 0 })).toEqual(event);
  });

  test('sequence values sort in batch order', () => {
    const values = [0, 1, 2, 9, 10, 11, 99, 100, 999].map(sequenceOf);
    expect([...values].sort()).toEqual(values);
  });
});
