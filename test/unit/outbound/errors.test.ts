import { between, docPage } from '../../../harness/docPages';
import {
  CHANNEL_REFUSALS,
  classifyTwilioError,
  TwilioAuthError,
  TwilioPermanentError,
  TwilioTransientError,
} from '../../../shared/outbound/errors';

// The shapes the twilio SDK throws: RestException (status, code, message) and axios network errors.
const rest = (status: number, code?: number) => Object.assign(new Error('[HTTP] Failed'), { status, code, message: `Twilio says ${code}` });
const network = (code: string) => Object.assign(new Error(`connect ${code}`), { code, isAxiosError: true });

describe('classifying Twilio failures', () => {
  test.each([21211, 21214, 21408, 21606, 21608, 21610, 21612, 21614, 21659])(
    'error %i (HTTP 400) is permanent and keeps its code',
    (code) => {
      const error = classifyTwilioError(rest(400, code));
      expect(error).toBeInstanceOf(TwilioPermanentError);
      expect(error).toMatchObject({ code, status: 400, message: `Twilio says ${code}` });
    },
  );

  test('a 401 or error 20003 is an authentication error (refresh the credentials)', () => {
    expect(classifyTwilioError(rest(401, 20003))).toBeInstanceOf(TwilioAuthError);
    expect(classifyTwilioError(rest(403, 20003))).toBeInstanceOf(TwilioAuthError);
  });

  test('a 429 is transient and certainly did not reach Twilio', () => {
    expect(classifyTwilioError(rest(429, 20429))).toMatchObject({ name: 'TwilioTransientError', mayHaveReachedTwilio: false });
  });

  test('a 5xx is transient and may have been processed (Twilio error 20500)', () => {
    const error = classifyTwilioError(rest(503, 20500));
    expect(error).toBeInstanceOf(TwilioTransientError);
    expect(error).toMatchObject({ mayHaveReachedTwilio: true, status: 503 });
  });

  test('a refused connection never reached Twilio; a reset or a timeout may have', () => {
    expect(classifyTwilioError(network('ECONNREFUSED'))).toMatchObject({
      name: 'TwilioTransientError',
      mayHaveReachedTwilio: false,
      code: 'ECONNREFUSED',
    });
    expect(classifyTwilioError(network('ECONNRESET'))).toMatchObject({ name: 'TwilioTransientError', mayHaveReachedTwilio: true });
    expect(classifyTwilioError(network('ECONNABORTED'))).toMatchObject({ name: 'TwilioTransientError', mayHaveReachedTwilio: true });
  });

  test('anything unrecognised is transient: retrying is safe because every retry looks the send up first', () => {
    expect(classifyTwilioError(new TypeError('boom'))).toBeInstanceOf(TwilioTransientError);
    expect(classifyTwilioError(undefined)).toBeInstanceOf(TwilioTransientError);
  });

  test('an answer without a message says its HTTP status rather than just "Error"', () => {
    // RestException copies body.message, which is undefined when the body has none (Prism's own 422s, proxies).
    const noMessage = Object.assign(new Error(), { status: 422, code: undefined, message: undefined });
    expect(classifyTwilioError(noMessage).message).toBe('HTTP 422 from Twilio, with no error message');
  });
});

describe('channel and registration refusals', () => {
  test.each(Object.keys(CHANNEL_REFUSALS).map(Number))('error %i is permanent whatever HTTP status carries it', (code) => {
    expect(classifyTwilioError(rest(400, code))).toBeInstanceOf(TwilioPermanentError);
    expect(classifyTwilioError(rest(503, code))).toMatchObject({ name: 'TwilioPermanentError', code });
  });

  test('docs/outbound.md lists every one of them, and no other', () => {
    const section = between(docPage('outbound'), '**Channel and registration refusals.**', '## Opt-outs');
    const listed = [...section.matchAll(/^\| (\d{5}) \|/gm)].map((m) => Number(m[1]));
    expect(listed.sort()).toEqual(Object.keys(CHANNEL_REFUSALS).map(Number).sort());
  });
});
