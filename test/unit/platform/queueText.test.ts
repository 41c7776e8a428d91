// Queue message text: what the Queue service cannot carry inside its XML is escaped, and the JSON means the same.
import { queueJson } from '../../../shared/platform/queueText';

test('U+FFFE and U+FFFF are written as JSON escapes, and the text parses back to the same value', () => {
  const value = { body: 'a\uFFFEb\uFFFFc', nested: ['\uFFFF'], plain: 'héllo ☎ \u2028' };
  const text = queueJson(value);
  expect(text).not.toMatch(/[\uFFFE\uFFFF]/);
  expect(text).toContain('a\\ufffeb\\uffffc');
  expect(JSON.parse(text)).toEqual(value);
});

test('anything else is what JSON.stringify writes', () => {
  const value = { type: 'sms', to: '+15551234567', body: 'line\nbreak "quoted" \u0001 \ud800' };
  expect(queueJson(value)).toBe(JSON.stringify(value));
});
