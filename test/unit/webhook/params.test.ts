import { first, keyed, list, mergeParams, paramsFromSearch } from '../../../shared/webhook/params';

describe('webhook parameters', () => {
  test('repeated keys keep every value in order', () => {
    expect(paramsFromSearch(new URLSearchParams('A=1&B=2&A=3'))).toEqual({ A: ['1', '3'], B: '2' });
  });

  test('body values follow query values of the same key', () => {
    expect(mergeParams({ A: '1' }, { A: ['2', '3'], B: 'x' })).toEqual({ A: ['1', '2', '3'], B: 'x' });
  });

  test('first takes the first of repeated values and undefined when absent', () => {
    expect(first({ A: ['x', 'y'] }, 'A')).toBe('x');
    expect(first({}, 'A')).toBeUndefined();
  });

  test('list parameters accept X, X[] and X[n], with indexed entries in index order', () => {
    const params = paramsFromSearch(new URLSearchParams('Message[1]=b&Message[0]=a&Message[10]=c'));
    expect(list(params, 'Message')).toEqual(['a', 'b', 'c']);
    expect(list(paramsFromSearch(new URLSearchParams('PhoneNumbers[]=1&PhoneNumbers[]=2')), 'PhoneNumbers')).toEqual(['1', '2']);
    expect(list({ Message: 'only' }, 'Message')).toEqual(['only']);
  });

  test('a list name does not match a longer parameter that starts with it', () => {
    expect(list({ 'MessageX[0]': 'no', 'Message[0]': 'yes' }, 'Message')).toEqual(['yes']);
  });

  test('keyed parameters map the bracketed key to the value', () => {
    expect(keyed(paramsFromSearch(new URLSearchParams('Options[1]=http://a&Options[22]=http://b')), 'Options')).toEqual(
      new Map([
        ['1', 'http://a'],
        ['22', 'http://b'],
      ]),
    );
  });

  test('parameters named after Object.prototype members are ordinary parameters', () => {
    const params = paramsFromSearch(new URLSearchParams('constructor=1&toString=2&__proto__=3&toString=4'));
    expect(Object.entries(params)).toEqual([
      ['constructor', '1'],
      ['toString', ['2', '4']],
      ['__proto__', '3'],
    ]);
    expect(first(params, 'constructor')).toBe('1');
    expect(Object.entries(mergeParams(params, paramsFromSearch(new URLSearchParams('__proto__=5'))))).toEqual([
      ['constructor', '1'],
      ['toString', ['2', '4']],
      ['__proto__', ['3', '5']],
    ]);
    expect(first(paramsFromSearch(new URLSearchParams('A=1')), 'hasOwnProperty')).toBeUndefined();
  });
});
