// The console's opt-out changes, read as the opt-out API's PUT and DELETE, and each 400.
import { readOptOutChange } from '../../../shared/console/optOutChange';

const ADDRESS = '+14155550100';

test('add: a PUT of the rest of the body, an empty sender dropped (every sender)', () => {
  expect(readOptOutChange(JSON.stringify({ address: ADDRESS, sender: '', keyword: 'STOP' }), true)).toEqual({
    ok: true,
    method: 'PUT',
    address: ADDRESS,
    body: '{"keyword":"STOP"}',
  });
  expect(readOptOutChange(JSON.stringify({ address: ADDRESS, sender: '+15005550006' }), true)).toMatchObject({
    body: '{"sender":"+15005550006"}',
  });
});

test('add passes unknown fields on: the opt-out API refuses them by name', () => {
  expect(readOptOutChange(JSON.stringify({ address: ADDRESS, reason: 'x' }), true)).toMatchObject({ ok: true, body: '{"reason":"x"}' });
});

test('remove: a DELETE, with ?sender= only when one is named', () => {
  expect(readOptOutChange(JSON.stringify({ address: ADDRESS }), false)).toEqual({
    ok: true,
    method: 'DELETE',
    address: ADDRESS,
    query: {},
  });
  expect(readOptOutChange(JSON.stringify({ address: ADDRESS, sender: '*' }), false)).toMatchObject({ query: { sender: '*' } });
});

test.each([
  ['not JSON', '{', true, { ok: false, error: 'The body must be JSON: {"address": "+14155550100"}.' }],
  [
    'no address',
    '{"sender": "*"}',
    true,
    { ok: false, error: 'The body needs an address: {"address": "+14155550100"}.', issues: [{ path: 'address', message: 'required' }] },
  ],
  ['an array', '[]', false, { ok: false, error: 'The body needs an address: {"address": "+14155550100"}.' }],
  ['remove with an unknown field', `{"address": "${ADDRESS}", "keyword": "STOP"}`, false, { ok: false, error: 'unknown field "keyword"' }],
  ['remove with a sender that is not text', `{"address": "${ADDRESS}", "sender": 5}`, false, { ok: false, error: 'sender must be text' }],
] as const)('%s: refused with the words the 400 carries', (_, text, add, refusal) => {
  expect(readOptOutChange(text, add)).toMatchObject(refusal);
});
