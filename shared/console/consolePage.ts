// The console's page: a shell that the bundled script (web/console.ts, built to dist/console.js) fills in from the
// JSON routes under /api/console/. A refused visitor gets the same page with the reason and no script. Pure.
import { escapeHtml as escape, pageCsp } from '../platform/htmlPage';
import { ROUTE_PREFIX } from '../platform/routes';

export const CONSOLE_PATH = `/${ROUTE_PREFIX}/console`;

/** Only this origin: its script, its JSON routes and its recordings. */
export const CONSOLE_PAGE_CSP = pageCsp({ connect: [], media: [] });

export interface ConsolePageOptions {
  /** Who is signed in, as the page greets them. */
  who?: string;
  /** No platform authentication: a local developer in Development. */
  localDeveloper?: boolean;
  /** Refused: the reason, and whether signing in could help. */
  refused?: { reason: string; signIn: boolean };
}

const STYLE = `
  :root { color-scheme: light; --fg: #1b1b1b; --muted: #4a4a4a; --bad: #a4001d; --good: #0a6b2a; --link: #0645ad; --line: #c8c8c8; }
  body { font-family: system-ui, sans-serif; margin: 0; color: var(--fg); background: #fff; line-height: 1.4; }
  header { display: flex; flex-wrap: wrap; align-items: baseline; gap: 1rem; padding: .6rem 1rem; border-bottom: 1px solid var(--line); }
  header h1 { font-size: 1.2rem; margin: 0; }
  nav ul { display: flex; flex-wrap: wrap; gap: .2rem 1rem; list-style: none; margin: 0; padding: 0; }
  nav a { color: var(--link); } nav a[aria-current="page"] { font-weight: 700; color: var(--fg); }
  main { padding: 1rem; max-width: 72rem; }
  .banner { background: #fff4ce; border-bottom: 2px solid #8a6d00; padding: .5rem 1rem; }
  .refused { color: var(--bad); font-weight: 600; }
  table { border-collapse: collapse; width: 100%; font-size: .92rem; }
  th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
  caption { text-align: left; font-weight: 600; padding: .3rem 0; }
  form.filters, form.stack { display: flex; flex-wrap: wrap; gap: .6rem 1rem; align-items: end; margin: .6rem 0; }
  form.stack { flex-direction: column; align-items: stretch; max-width: 32rem; }
  label { display: flex; flex-direction: column; font-size: .9rem; gap: .15rem; }
  input, select, textarea, button { font: inherit; padding: .3rem .4rem; }
  button { cursor: pointer; }
  :focus-visible { outline: 3px solid #0b57d0; outline-offset: 2px; }
  .ok { color: var(--good); font-weight: 600; } .fail { color: var(--bad); font-weight: 600; } .muted { color: var(--muted); }
  [role="status"] { min-height: 1.4em; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; } dt { font-weight: 600; }
`;

export function consolePage(options: ConsolePageOptions = {}): string {
  const refused = options.refused;
  const signIn = `/.auth/login/aad?post_login_redirect_uri=${CONSOLE_PATH}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Console</title>
<style>${STYLE}</style>
</head>
<body data-console="${refused ? 'refused' : 'ready'}">
${options.localDeveloper ? '<p class="banner" id="local-banner" role="note"><strong>Local development:</strong> App Service Authentication is off and AZURE_FUNCTIONS_ENVIRONMENT=Development, so anyone who reaches this host gets the console. In Azure only CONSOLE_ADMINS get in.</p>' : ''}
<header>
<h1>Console</h1>
${
  refused
    ? ''
    : `<nav aria-label="Console sections"><ul>
<li><a href="#messages">Messages</a></li>
<li><a href="#send">Send</a></li>
<li><a href="#activity">Activity</a></li>
<li><a href="#optouts">Opt-outs</a></li>
<li><a href="#health">Health</a></li>
<li><a href="#settings">Settings</a></li>
</ul></nav>
<span class="muted" id="who">${escape(options.who ?? '')}</span>`
}
</header>
<main id="main" tabindex="-1">
${
  refused
    ? `<p class="refused" id="refused" role="alert">${escape(refused.reason)}</p>${refused.signIn ? `<p><a id="sign-in" href="${signIn}">Sign in</a></p>` : ''}`
    : '<p role="status" id="loading">Loading…</p>'
}
</main>
${refused ? '' : `<script src="${CONSOLE_PATH}/app.js" defer></script>`}
</body>
</html>
`;
}
