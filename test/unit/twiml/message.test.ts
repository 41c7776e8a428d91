import { messageTwiml } from '../../../shared/twiml/message';
import { paramsFromSearch } from '../../../shared/webhook/params';

const twiml = (query: string) => messageTwiml(paramsFromSearch(new URLSearchParams(query)));
const XML = '<?xml version="1.0" encoding="UTF-8"?>';

describe('message twimlet', () => {
  test('says a plain message', () => {
    expect(twiml('Message=Hello')).toBe(`${XML}<Response><Say>Hello</Say></Response>`);
  });

  test('plays a message that starts with http, in any letter case, after trimming', () => {
    expect(twiml('Message=%20HTTPS://example.com/a.mp3%20')).toBe(`${XML}<Response><Play>HTTPS://example.com/a.mp3</Play></Response>`);
  });

  test('plays or says each indexed message in order', () => {
    expect(twiml('Message[1]=http://x/b.mp3&Message[0]=First')).toBe(
      `${XML}<Response><Say>First</Say><Play>http://x/b.mp3</Play></Response>`,
    );
  });

  test('answers an empty Response when there is no message', () => {
    expect(twiml('')).toBe(`${XML}<Response/>`);
    expect(twiml('Message=%20%20')).toBe(`${XML}<Response/>`);
  });

  test('escapes markup and drops characters XML cannot carry instead of failing', () => {
    expect(twiml('Message=%3C/Say%3E%3CDial%3E1%3C/Dial%3E%01%FFFE')).toBe(
      `${XML}<Response><Say>&lt;/Say&gt;&lt;Dial&gt;1&lt;/Dial&gt;\uFFFDFE</Say></Response>`,
    );
  });
});
