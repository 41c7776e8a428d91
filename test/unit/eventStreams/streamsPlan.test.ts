import {
  describeChange,
  printableDestination,
  sinkCredentialsProblem,
  sinkUrlWithCredentials,
  streamsChanges,
  type SinkState,
} from '../../../shared/eventStreams/streamsPlan';

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

test('Basic credentials go into the URL Twilio is given, encoded; none leaves it as it is', () => {
  expect(sinkUrlWithCredentials(DESTINATION, undefined)).toBe(DESTINATION);
  expect(sinkUrlWithCredentials(DESTINATION, 'twilio:p@ss:word/1')).toBe(
    'https://twilio:p%40ss%3Aword%2F1@calls.example.com/api/event-streams',
  );
});

test("a sink whose Basic user is not the app's is named, with the way out; a matching one is not", () => {
  expect(sinkCredentialsProblem(sink(DESTINATION), 'twilio:secret')).toMatch(
    /sends no Basic credentials, and the app expects "twilio": its requests get 401.*delete the sink/,
  );
  expect(sinkCredentialsProblem(sink('https://other:x@calls.example.com/api/event-streams'), 'twilio:secret')).toContain(
    'sends the user "other"',
  );
  expect(sinkCredentialsProblem(sink('https://twilio:***@calls.example.com/api/event-streams'), 'twilio:secret')).toBeUndefined();
  expect(sinkCredentialsProblem(sink(DESTINATION), undefined)).toBeUndefined();
  expect(sinkCredentialsProblem(sink('https://twilio:x@calls.example.com/api/event-streams'), undefined)).toContain(
    'TWILIO_EVENT_STREAMS_CREDENTIALS is not set',
  );
  expect(sinkCredentialsProblem(sink('https://other:x@calls.example.com/api/event-streams'), 'twilio:secret')).not.toContain('secret');
});
