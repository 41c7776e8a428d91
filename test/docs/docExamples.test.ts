// How the examples test reads a page's shell blocks: what is a start line, what a comment claims, what needs Azure.
import { claimedOutput, docExamples, splitComment, startSettings, withoutBuild } from '../../harness/docExamples';

test('a comment is split off at an unquoted #', () => {
  expect(splitComment(`curl -H "X-Sig: a#b" 'x#y'   # "status":"sent"`)).toEqual({
    command: `curl -H "X-Sig: a#b" 'x#y'`,
    comment: '"status":"sent"',
  });
  expect(splitComment('npm run send -- sms +1 "#1 in line"')).toEqual({ command: 'npm run send -- sms +1 "#1 in line"', comment: '' });
});

test('a start line gives its settings, quoted or not', () => {
  expect(startSettings(`VOICE_MODE=menu VOICE_MENU_OPTIONS='{"1":"+14155550100"}' VOICE_GREETING='Press 1.' npm start`)).toEqual({
    VOICE_MODE: 'menu',
    VOICE_MENU_OPTIONS: '{"1":"+14155550100"}',
    VOICE_GREETING: 'Press 1.',
  });
  expect(startSettings('npm install && npm start')).toEqual({});
  expect(startSettings('npm start && rm -rf /')).toBeUndefined();
  expect(startSettings('npm run start:dev')).toBeUndefined();
});

test('TwiML and JSON in a comment become fragments the output must hold; words claim nothing', () => {
  expect(claimedOutput('<Gather numDigits="1"><Say>Press 1 for sales.</Say></Gather>')).toEqual(['<Gather', '<Say', 'Press 1 for sales.']);
  expect(claimedOutput('<Redirect>.../api/forward?PhoneNumber=%2B1</Redirect>')).toEqual(['<Redirect', '/api/forward?PhoneNumber=%2B1']);
  expect(claimedOutput('<Response/>: no auto-reply is set')).toEqual(['<Response']);
  expect(claimedOutput('"status":"delivered", "sid":"SM..."')).toEqual(['"status":"delivered"', '"sid":"SM']);
  expect(claimedOutput('an incoming call to /api/voice')).toEqual([]);
});

test('Azure commands, placeholders and function keys are told apart from offline ones; assignments are setup', () => {
  const page = [
    '```sh',
    'URL=http://localhost:7071/api/message',
    'curl "$URL"                               # offline',
    'APP="$(az deployment sub show --query x -o tsv)"',
    'azd up',
    'curl -X DELETE "https://<app>/api/outbound/k?code=<function key>"',
    'npm run soak',
    '```',
    '```text',
    'npm run not-a-command',
    '```',
  ].join('\n');
  const found = docExamples('p.md', page);
  expect(found.map((e) => [e.line, e.kind])).toEqual([
    [3, 'offline'],
    [4, 'azure'],
    [5, 'azure'],
    [6, 'azure'],
    [7, 'elsewhere'],
  ]);
  expect(found[0].setup).toEqual(['URL=http://localhost:7071/api/message']);
});

test('npm run X -- args runs the built script with the same args, without rebuilding', () => {
  const scripts = { simulate: 'node scripts/build.mjs && node build/simulate.js' };
  expect(withoutBuild('npm run simulate -- call --get', scripts, '/repo')).toBe('node /repo/build/simulate.js call --get');
  expect(withoutBuild('npm run unknown -- x', scripts, '/repo')).toBe('npm run unknown -- x');
});
