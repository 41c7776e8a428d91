import metadata from 'libphonenumber-js/metadata.min.json';
import { CALLING_CODES, callingCodeOf, destinationRefused } from '../../../shared/guards/callingCodes';
import { autoReplyRowKeys, countOf } from '../../../shared/guards/autoReplyLimit';

describe('country calling codes', () => {
  test("the table is exactly libphonenumber's calling codes, geographic and non-geographic", () => {
    const codes = new Set([...Object.keys(metadata.country_calling_codes), ...Object.keys(metadata.nonGeographic ?? {})]);
    expect([...CALLING_CODES].sort()).toEqual([...codes].sort());
  });

  test('no code is the start of another, so the first matching prefix is the code', () => {
    for (const a of CALLING_CODES) for (const b of CALLING_CODES) if (a !== b) expect([a, b, b.startsWith(a)]).toEqual([a, b, false]);
  });

  test.each([
    ['+14155550100', '1'],
    ['+447700900123', '44'],
    ['+353861234567', '353'],
    ['+8613800138000', '86'],
    ['+80012345678', '800'],
    ['whatsapp:+447700900123', '44'],
  ])('%s is in +%s', (number, code) => expect(callingCodeOf(number)).toBe(code));

  test('a destination outside the allowed codes is refused with a reason naming both; unset allows all', () => {
    const allowed = new Set(['1', '44']);
    expect(destinationRefused('+14155550100', allowed)).toBeUndefined();
    expect(destinationRefused('+33612345678', allowed)).toBe(
      'the recipient is in country calling code +33, which OUTBOUND_ALLOWED_COUNTRIES (+1, +44) does not allow; nothing was sent',
    );
    expect(destinationRefused('+33612345678', undefined)).toBeUndefined();
    expect(destinationRefused('whatsapp:+447700900123', allowed)).toBeUndefined();
    expect(destinationRefused('whatsapp:+33612345678', allowed)).toMatch(/country calling code \+33,/);
  });
});

describe('auto-reply rows', () => {
  test('one row per sender and UTC clock hour', () => {
    expect(autoReplyRowKeys('+14155550100', new Date('2026-03-08T06:59:59Z'))).toEqual({
      partitionKey: '2026030806',
      rowKey: '+14155550100',
    });
    expect(autoReplyRowKeys('+14155550100', new Date('2026-03-08T07:00:00Z')).partitionKey).toBe('2026030807');
  });

  test('a damaged count counts as spent', () => {
    expect(countOf(2, 5)).toBe(2);
    expect(countOf('2', 5)).toBe(5);
    expect(countOf(-1, 5)).toBe(5);
  });
});
