import { basicCredentialsMatch, basicCredentialsProblem } from '../../../shared/eventStreams/basicAuth';

const header = (text: string) => `Basic ${Buffer.from(text).toString('base64')}`;

test('the credentials from the destination URL match; anything else does not', () => {
  expect(basicCredentialsMatch(header('twilio:s3cret:with:colons'), 'twilio:s3cret:with:colons')).toBe(true);
  expect(basicCredentialsMatch(header('twilio:wrong'), 'twilio:s3cret')).toBe(false);
  expect(basicCredentialsMatch(header('other:s3cret'), 'twilio:s3cret')).toBe(false);
  expect(basicCredentialsMatch(null, 'twilio:s3cret')).toBe(false);
  expect(basicCredentialsMatch(`Bearer ${Buffer.from('twilio:s3cret').toString('base64')}`, 'twilio:s3cret')).toBe(false);
  expect(basicCredentialsMatch('Basic', '')).toBe(false);
});

test('a configured value must be user:password', () => {
  expect(basicCredentialsProblem('twilio:s3cret')).toBeUndefined();
  expect(basicCredentialsProblem('twilio')).toMatch(/user:password/);
  expect(basicCredentialsProblem(':s3cret')).toMatch(/user:password/);
});
