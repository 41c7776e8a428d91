// The browser phone's page: a shell the bundled script (web/softphone.ts, built to dist/softphone.js) fills in.
// Pure: no I/O.
import type { HttpResponseInit } from '@azure/functions';
import { ROUTES, ROUTE_PREFIX } from '../platform/routes';
import { escapeHtml as escape, pageCsp } from '../platform/htmlPage';
import type { Authentication } from './authenticate';

export const PHONE_STATES = ['signed-out', 'offline', 'registering', 'ready', 'ringing', 'in-call'] as const;

/** The Voice SDK talks to Twilio over https and wss, and plays its sounds from there. */
export const PHONE_PAGE_CSP = pageCsp({
  connect: ['https://*.twilio.com', 'wss://*.twilio.com'],
  media: ['blob:', 'https://*.twilio.com'],
});

/** GET /api/phone's answer: the phone for a signed-in user; signed out, the refusal's status and a page that says why. */
export function phonePageAnswer(who: Authentication): HttpResponseInit {
  return {
    status: who.ok ? 200 : who.status,
    headers: { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': PHONE_PAGE_CSP, 'Cache-Control': 'no-store' },
    body: phonePage(who.ok ? {} : { signedOut: who.reason, signIn: who.problem !== 'platform-auth-off' }),
  };
}

/**
 * `signedOut`: why there is no phone; `signIn`: offer App Service's sign-in link (only where App Service
 * Authentication is on: elsewhere /.auth/login does not exist, and locally it answers 404).
 */
export function phonePage(options: { signedOut?: string; signIn?: boolean } = {}): string {
  const state = options.signedOut ? 'signed-out' : 'offline';
  const status = options.signedOut ?? 'Starting…';
  const keys = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Phone</title>
<style>
  body { font-family: system-ui, sans-serif; max-width: 22rem; margin: 2rem auto; padding: 0 1rem; color: #1b1b1b; }
  #state { font-size: 1.4rem; font-weight: 600; }
  #status { min-height: 2.5em; color: #555; }
  [data-state="ready"] #state { color: #0a7a2f; } [data-state="offline"] #state, [data-state="signed-out"] #state { color: #b00020; }
  [data-state="ringing"] #state, [data-state="in-call"] #state { color: #0b57d0; }
  #number { width: 100%; font-size: 1.3rem; padding: .4rem; box-sizing: border-box; }
  #pad { display: grid; grid-template-columns: repeat(3, 1fr); gap: .4rem; margin: .6rem 0; }
  button { font-size: 1.1rem; padding: .6rem; } button:disabled { opacity: .4; }
  .row { display: flex; gap: .4rem; margin: .4rem 0; } .row button { flex: 1; }
  #identity { font-size: .8rem; color: #555; word-break: break-all; }
</style>
</head>
<body data-state="${state}">
<h1>Phone</h1>
<p>State: <span id="state">${state}</span></p>
<p id="status" role="status">${escape(status)}</p>
<p id="identity"></p>
${options.signedOut && options.signIn ? `<p><a id="sign-in" href="/.auth/login/aad?post_login_redirect_uri=/${ROUTE_PREFIX}/${ROUTES.phone}">Sign in</a></p>` : ''}
<input id="number"${options.signedOut ? ' disabled' : ''} inputmode="tel" autocomplete="off" placeholder="+14155550100 or client:identity" aria-label="Number to call">
<div id="pad">${keys.map((k) => `<button type="button" data-digit="${escape(k)}"${options.signedOut ? ' disabled' : ''}>${escape(k)}</button>`).join('')}</div>
<div class="row"><button id="call" type="button" disabled>Call</button><button id="hangup" type="button" disabled>Hang up</button></div>
<div class="row"><button id="accept" type="button" disabled>Accept</button><button id="reject" type="button" disabled>Reject</button></div>
<div class="row"><button id="mute" type="button" disabled aria-pressed="false">Mute</button></div>
${options.signedOut ? '' : `<script src="/${ROUTE_PREFIX}/${ROUTES.phoneScript}" defer></script>`}
</body>
</html>
`;
}
