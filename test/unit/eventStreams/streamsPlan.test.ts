import { describeChange, printableDestination, streamsChanges, type SinkState } from '../../../shared/eventStreams/streamsPlan';

const DESTINATION = 'https://calls.example.com/api/event-streams';
const sink = (destination: string, sid = 'DG00000000000000000000000000000001'): SinkState => ({
  sid,
  description: 'x',
  sinkType: 'webhook',
  status: 'active',
  sinkConfiguration: { destination, method: 'POST', batch_events: true },
});

test('no sink yet: create the sink, then its subscription with the types', () => {
  const { changes } = streamsChanges(
    { destination: DESTINATION, types: ['a', 'b', 'a'] },
    { sinks: [sink('https://other.example/x')], subscriptions: [] },
  );
  expect(changes.map((c) => c.kind)).toEqual(['createSink', 'createSubscription']);
  expect(changes[1]).toMatchObject({ types: ['a', 'b'] });
});

test('the sink exists (with credentials in its URL): kept; the subscription is brought to exactly the types', () => {
  const existing = {
    sinks: [sink('https://twilio:secret@calls.example.com/api/event-streams')],
    subscriptions: [{ sid: 'DF1', sinkSid: 'DG00000000000000000000000000000001', description: 'x', types: ['a', 'c'] }],
  };
  const { sink: found, changes } = streamsChanges({ destination: DESTINATION, types: ['a', 'b'] }, existing);
  expect(found?.sid).toBe('DG00000000000000000000000000000001');
  expect(changes).toEqual([
    { kind: 'addType', subscriptionSid: 'DF1', type: 'b' },
    { kind: 'removeType', subscriptionSid: 'DF1', type: 'c' },
  ]);
});

test('run again once applied: nothing to change', () => {
  const existing = {
    sinks: [sink(DESTINATION)],
    subscriptions: [{ sid: 'DF1', sinkSid: 'DG00000000000000000000000000000001', description: 'x', types: ['a'] }],
  };
  expect(streamsChanges({ destination: DESTINATION, types: ['a'] }, existing).changes).toEqual([]);
  expect(streamsChanges({ destination: DESTINATION, types: [] }, existing).changes).toEqual([]);
});

test('a password in a destination is never printed', () => {
  expect(printableDestination('https://twilio:secret@calls.example.com/api/event-streams')).toBe(
    'https://twilio:***@calls.example.com/api/event-streams',
  );
  expect(describeChange({ kind: 'createSink', destination: 'https://u:p4ss@h/api/event-streams', description: 'd' })).not.toContain('p4ss');
});
