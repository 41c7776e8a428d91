// What the app's pages for people (the console, the browser phone) share: HTML escaping, and a Content Security
// Policy that allows this origin's script, styles and images, and only what else each page must reach. Pure.

export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** `connect` and `media`: the origins (besides this one) the page fetches from and plays from. */
export function pageCsp(sources: { connect: string[]; media: string[] }): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    ['connect-src', "'self'", ...sources.connect].join(' '),
    ['media-src', "'self'", ...sources.media].join(' '),
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
