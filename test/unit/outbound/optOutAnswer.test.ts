// The opt-out management API's answers, against the in-memory opt-out table (./outboundFakes.ts).
import { answerOptOut, answerOptOutList, type OptOutRequest } from '../../../shared/outbound/optOutAnswer';
import { InMemoryOptOuts } from './outboundFakes';

const ADDRESS = '+15551234567';
const SENDER = '+15005550006';
const SERVICE = `MG${'a'.repeat(32)}`;

const request = (method: string, options: { body?: string; query?: Record<string, string>; address?: string } = {}): OptOutRequest => ({
  method,
  address: options.address ?? ADDRESS,
  body: () => Promise.resolve(options.body ?? ''),
  query: new URLSearchParams(options.query ?? {}),
});

describe('/api/optouts/{address}', () => {
  test('GET with none: 404 and an empty list', async () => {
    expect(await answerOptOut(new InMemoryOptOuts(), request('GET'))).toEqual({
      status: 404,
      jsonBody: { error: 'Not opted out.', address: ADDRESS, optOuts: [] },
    });
  });

  test('PUT with no body: every sender, keyword API, source api; then GET lists it', async () => {
    const table = new InMemoryOptOuts();
    const put = await answerOptOut(table, request('PUT'));
    const optOut = { sender: '*', keyword: 'API', source: 'api', optedOutAt: expect.any(String) as unknown };
    expect(put).toEqual({ status: 200, jsonBody: { address: ADDRESS, optedOut: true, optOuts: [optOut] } });
    expect(await answerOptOut(table, request('GET'))).toEqual(put);
  });

  test('PUT for one sender with a keyword, and the address trimmed', async () => {
    const table = new InMemoryOptOuts();
    const put = await answerOptOut(
      table,
      request('PUT', { address: ` ${ADDRESS} `, body: JSON.stringify({ sender: SERVICE, keyword: 'STOP ALL' }) }),
    );
    expect(put.jsonBody).toMatchObject({ address: ADDRESS, optOuts: [{ sender: SERVICE, keyword: 'STOP ALL', source: 'api' }] });
    expect(table.recorded).toEqual([{ address: ADDRESS, keyword: 'STOP ALL', sender: SERVICE }]);
  });

  test('PUT with sender * is every sender', async () => {
    const table = new InMemoryOptOuts();
    await answerOptOut(table, request('PUT', { body: '{"sender": "*"}' }));
    expect(table.numbers.get(ADDRESS)).toBe('API');
  });

  test.each([
    ['not JSON', '{', 'the body must be JSON, e.g. {"sender": "+14155550100"}, or empty'],
    ['an array', '[]', 'the body must be a JSON object'],
    ['an unknown field', '{"sender": "*", "reason": "x"}', 'unknown field "reason"'],
    [
      'a sender that is not one',
      '{"sender": "bob"}',
      'sender must be a number, a channel address, a Messaging Service SID (MG...) or * for every sender',
    ],
    [
      'a sender that is not text',
      '{"sender": 5}',
      'sender must be a number, a channel address, a Messaging Service SID (MG...) or * for every sender',
    ],
    ['a keyword too long', `{"keyword": "${'k'.repeat(41)}"}`, 'keyword must be 1-40 letters, digits, spaces, _ or -'],
  ])('PUT with %s: 400 on the body, nothing recorded', async (_, body, error) => {
    const table = new InMemoryOptOuts();
    expect(await answerOptOut(table, request('PUT', { body }))).toEqual({
      status: 400,
      jsonBody: { error, issues: [{ path: 'body', message: error }] },
    });
    expect(table.recorded).toEqual([]);
  });

  test('an address that is not one: 400 on the address, before anything is read', async () => {
    const answer = await answerOptOut(new InMemoryOptOuts(), request('PUT', { address: 'bob', body: '{' }));
    expect(answer).toMatchObject({ status: 400, jsonBody: { issues: [{ path: 'address' }] } });
  });

  test('DELETE ?sender= removes that one; the others stay', async () => {
    const table = new InMemoryOptOuts();
    await table.record(ADDRESS, 'STOP');
    await table.record(ADDRESS, 'STOP', SENDER);
    const answer = await answerOptOut(table, request('DELETE', { query: { sender: SENDER } }));
    expect(answer).toMatchObject({ status: 200, jsonBody: { optedOut: true, optOuts: [{ sender: '*' }] } });
  });

  test('DELETE ?sender=* removes the every-sender one', async () => {
    const table = new InMemoryOptOuts();
    await table.record(ADDRESS, 'STOP');
    expect(await answerOptOut(table, request('DELETE', { query: { sender: '*' } }))).toEqual({
      status: 200,
      jsonBody: { address: ADDRESS, optedOut: false, optOuts: [] },
    });
  });

  test('DELETE without a sender removes them all', async () => {
    const table = new InMemoryOptOuts();
    await table.record(ADDRESS, 'STOP');
    await table.record(ADDRESS, 'STOP', SENDER);
    await table.record(ADDRESS, 'STOP', SERVICE);
    expect(await answerOptOut(table, request('DELETE'))).toMatchObject({ status: 200, jsonBody: { optedOut: false, optOuts: [] } });
  });

  test('DELETE with nothing to remove: 404', async () => {
    expect(await answerOptOut(new InMemoryOptOuts(), request('DELETE', { query: { sender: SENDER } }))).toEqual({
      status: 404,
      jsonBody: { error: 'No such opt-out.', address: ADDRESS },
    });
    expect(await answerOptOut(new InMemoryOptOuts(), request('DELETE'))).toMatchObject({ status: 404 });
  });

  test('DELETE with a sender that is not one: 400 on the sender', async () => {
    expect(await answerOptOut(new InMemoryOptOuts(), request('DELETE', { query: { sender: 'bob' } }))).toMatchObject({
      status: 400,
      jsonBody: { issues: [{ path: 'sender' }] },
    });
  });

  test('a storage failure is thrown on, for the function to answer 503', async () => {
    const table = new InMemoryOptOuts();
    table.recordFails = new Error('storage down');
    await expect(answerOptOut(table, request('PUT'))).rejects.toThrow('storage down');
  });
});

describe('/api/optouts', () => {
  async function tableOf(count: number): Promise<InMemoryOptOuts> {
    const table = new InMemoryOptOuts();
    for (let i = 0; i < count; i++) await table.record(`+1555123456${i}`, 'STOP');
    return table;
  }

  test('a page, and the URL of the next with the same size', async () => {
    const answer = await answerOptOutList(await tableOf(3), new URLSearchParams({ pageSize: '2' }), '/api/optouts');
    expect(answer).toEqual({
      status: 200,
      jsonBody: {
        items: [
          { address: '+15551234560', sender: '*', keyword: 'STOP', source: undefined, optedOutAt: expect.any(String) as unknown },
          { address: '+15551234561', sender: '*', keyword: 'STOP', source: undefined, optedOutAt: expect.any(String) as unknown },
        ],
        next: '2',
        nextUrl: '/api/optouts?pageSize=2&continuationToken=2',
      },
    });
    const last = await answerOptOutList(await tableOf(3), new URLSearchParams({ pageSize: '2', continuationToken: '2' }), '/api/optouts');
    expect(last.jsonBody).toMatchObject({ items: [{ address: '+15551234562' }], next: undefined, nextUrl: undefined });
  });

  test('100 a page by default', async () => {
    const answer = await answerOptOutList(await tableOf(1), new URLSearchParams(), '/api/optouts');
    expect(answer.jsonBody).toMatchObject({ items: [{ address: '+15551234560' }], next: undefined });
  });

  test.each(['0', '1001', '1.5', 'ten'])('pageSize=%s: 400', async (pageSize) => {
    expect(await answerOptOutList(new InMemoryOptOuts(), new URLSearchParams({ pageSize }), '/api/optouts')).toMatchObject({
      status: 400,
      jsonBody: { error: 'pageSize must be a whole number from 1 to 1000', issues: [{ path: 'pageSize' }] },
    });
  });

  test('a continuation token of other characters: 400 before the table is read', async () => {
    expect(await answerOptOutList(new InMemoryOptOuts(), new URLSearchParams({ continuationToken: 'a b' }), '/api/optouts')).toMatchObject({
      status: 400,
      jsonBody: { issues: [{ path: 'continuationToken' }] },
    });
  });

  test('a continuation token the table SDK cannot read: 400', async () => {
    expect(await answerOptOutList(await tableOf(1), new URLSearchParams({ continuationToken: 'abc' }), '/api/optouts')).toMatchObject({
      status: 400,
      jsonBody: { error: 'continuationToken must be the value of next from the previous page' },
    });
  });

  test("the storage service's error is thrown on, with or without a token", async () => {
    const table = await tableOf(1);
    table.list = () => Promise.reject(new Error('storage down'));
    await expect(answerOptOutList(table, new URLSearchParams({ continuationToken: 'abc' }), '/api/optouts')).rejects.toThrow(
      'storage down',
    );
    await expect(answerOptOutList(table, new URLSearchParams(), '/api/optouts')).rejects.toThrow('storage down');
  });

  test("without a token even the SDK's own error is thrown on", async () => {
    const table = await tableOf(1);
    table.list = () => Promise.reject(new TypeError('broken'));
    await expect(answerOptOutList(table, new URLSearchParams(), '/api/optouts')).rejects.toThrow('broken');
  });
});
