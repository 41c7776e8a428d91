import { CONSOLE_PAGE_CSP } from '../../../shared/console/consolePage';
import { PHONE_PAGE_CSP } from '../../../shared/calling/phonePage';
import { escapeHtml, pageCsp } from '../../../shared/platform/htmlPage';

const directives = (csp: string) => Object.fromEntries(csp.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)]));

test('every character that could open markup or end an attribute is escaped', () => {
  expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&#60;a href=&#34;x&#34; title=&#39;y&#39;&#62;&#38;&#60;/a&#62;');
});

test('the console reaches nothing but its own origin; the phone adds only Twilio, for its calls and sounds', () => {
  const base = {
    'default-src': ["'none'"],
    'script-src': ["'self'"],
    'style-src': ["'self'", "'unsafe-inline'"],
    'img-src': ["'self'", 'data:'],
    'base-uri': ["'none'"],
    'form-action': ["'none'"],
    'frame-ancestors': ["'none'"],
  };
  expect(directives(CONSOLE_PAGE_CSP)).toEqual({ ...base, 'connect-src': ["'self'"], 'media-src': ["'self'"] });
  expect(directives(PHONE_PAGE_CSP)).toEqual({
    ...base,
    'connect-src': ["'self'", 'https://*.twilio.com', 'wss://*.twilio.com'],
    'media-src': ["'self'", 'blob:', 'https://*.twilio.com'],
  });
  expect(pageCsp({ connect: [], media: [] })).toBe(CONSOLE_PAGE_CSP);
});
