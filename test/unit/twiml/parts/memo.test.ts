import { memoizeTwiml } from '../../../../shared/twiml/parts/memo';

function counted() {
  const calls: string[] = [];
  const build = (name: string) => {
    calls.push(name);
    return `<Response><Say>${name}</Say></Response>`;
  };
  return { calls, build };
}

describe('memoized TwiML', () => {
  test('answers a repeat from memory and builds each distinct input once', () => {
    const { calls, build } = counted();
    const twiml = memoizeTwiml(build, (name) => name);
    expect(twiml('a')).toBe('<Response><Say>a</Say></Response>');
    expect(twiml('a')).toBe('<Response><Say>a</Say></Response>');
    expect(twiml('b')).toBe('<Response><Say>b</Say></Response>');
    expect(calls).toEqual(['a', 'b']);
  });

  test('keeps at most `limit` entries, dropping the least recently used', () => {
    const { calls, build } = counted();
    const twiml = memoizeTwiml(build, (name) => name, 2);
    twiml('a');
    twiml('b');
    twiml('a'); // a is now more recent than b
    twiml('c'); // evicts b
    twiml('a');
    twiml('b');
    expect(calls).toEqual(['a', 'b', 'c', 'b']);
  });

  test('builds inputs with a huge key every time instead of keeping them', () => {
    const { calls, build } = counted();
    const twiml = memoizeTwiml(build, (name) => name);
    const huge = 'x'.repeat(5000);
    twiml(huge);
    twiml(huge);
    expect(calls).toHaveLength(2);
  });
});
