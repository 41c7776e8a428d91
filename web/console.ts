// The console (served as /api/console/app.js, bundled by scripts/build.mjs): one page, a section per hash
// (#messages, #message/<key>, #send, #activity, #optouts, #health, #settings), filled from /api/console/*.
// Elements are built with textContent, never innerHTML: every value shown came from outside.

const API = '/api/console';
const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
const main = document.getElementById('main')!;

type Attrs = Record<string, string | boolean | number | undefined | ((event: Event) => void)>;
type Child = Node | string | number | undefined | null | false;

function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.slice(2).toLowerCase(), value);
    else if (value === true) element.setAttribute(name, '');
    else element.setAttribute(name, String(value));
  }
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

/** A time in the browser's zone. */
const when = (iso?: string) => (iso ? new Date(iso).toLocaleString() : '');
const timeCell = (iso?: string) => h('td', {}, iso ? h('time', { datetime: iso }, when(iso)) : '');

interface ApiError {
  error?: string;
  reason?: string;
  issues?: Array<{ path: string; message: string }>;
}

async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<{ status: number; body: T & ApiError }> {
  const response = await fetch(`${API}/${path}`, {
    method: init.method ?? 'GET',
    headers: init.body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    credentials: 'same-origin',
  });
  const text = await response.text();
  let body: T & ApiError;
  try {
    body = (text ? JSON.parse(text) : {}) as T & ApiError;
  } catch {
    body = { error: `HTTP ${response.status}` } as T & ApiError;
  }
  return { status: response.status, body };
}

const describeError = (status: number, body: ApiError) =>
  [body.error ?? `HTTP ${status}`, body.reason, ...(body.issues ?? []).map((i) => `${i.path || 'message'}: ${i.message}`)]
    .filter(Boolean)
    .join(' — ');

function status(text: string, kind: 'ok' | 'fail' | '' = ''): HTMLElement {
  return h('p', { role: kind === 'fail' ? 'alert' : 'status', class: kind, id: 'result' }, text);
}

/** Shows a section: its heading takes the focus, so a screen reader announces where the user is. */
function show(title: string, ...content: Child[]): void {
  const heading = h('h2', { tabindex: -1, id: 'view-title' }, title);
  main.replaceChildren(
    heading,
    ...content
      .filter((c): c is Node | string => c !== undefined && c !== null && c !== false)
      .map((c) => (typeof c === 'number' ? String(c) : c)),
  );
  document.title = `${title} · Console`;
  heading.focus();
  document.querySelectorAll('nav a').forEach((link) => {
    const section = (location.hash || '#messages').split(/[/?]/)[0];
    const current = (section === '#message' ? '#messages' : section) === link.getAttribute('href');
    if (current) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  });
}

function field(label: string, control: HTMLElement): HTMLElement {
  return h('label', {}, label, control);
}

function select(name: string, options: string[], value = ''): HTMLSelectElement {
  return h('select', { name }, ...options.map((o) => h('option', { value: o, selected: o === value }, o || 'any')));
}

function table(caption: string, headers: string[], rows: HTMLElement[]): HTMLElement {
  return h(
    'table',
    {},
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, ...headers.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, ...rows),
  );
}

function hashQuery(): URLSearchParams {
  const at = location.hash.indexOf('?');
  return new URLSearchParams(at >= 0 ? location.hash.slice(at + 1) : '');
}

// Messages ---------------------------------------------------------------------------------------------------

interface MessageSummary {
  key: string;
  status: string;
  channel: string;
  to?: string;
  sid?: string;
  twilioStatus?: string;
  errorCode?: number | string;
  sendAt?: string;
  createdAt: string;
}

const STATUSES = ['', 'accepted', 'sending', 'poisoned', 'sent', 'delivered', 'undelivered', 'failed', 'rejected', 'canceled'];

async function messagesView(): Promise<void> {
  const query = hashQuery();
  const form = h(
    'form',
    { class: 'filters', 'aria-label': 'Filter messages' },
    field('Status', select('status', STATUSES, query.get('status') ?? '')),
    field('Type', select('type', ['', 'sms', 'call'], query.get('type') ?? '')),
    field('Channel', select('channel', ['', 'sms', 'whatsapp', 'call'], query.get('channel') ?? '')),
    field('Recipient digits', h('input', { name: 'to', inputmode: 'numeric', value: query.get('to') ?? '', size: 14 })),
    field('From date', h('input', { name: 'since', type: 'date', value: query.get('since') ?? '' })),
    field('Until date', h('input', { name: 'until', type: 'date', value: query.get('until') ?? '' })),
    h('button', { type: 'submit' }, 'Apply'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const params = new URLSearchParams();
    form.querySelectorAll<HTMLInputElement | HTMLSelectElement>('input, select').forEach((control) => {
      if (control.value) params.set(control.name, control.value);
    });
    location.hash = `#messages?${params}`;
  });
  const params = new URLSearchParams(query);
  // A date filter means that day in the browser's zone.
  for (const name of ['since', 'until'] as const) {
    const day = query.get(name);
    if (day) {
      const start = new Date(`${day}T00:00:00`);
      if (name === 'until') start.setDate(start.getDate() + 1);
      params.set(name, start.toISOString());
    }
  }
  const { status: code, body } = await api<{ items: MessageSummary[]; next?: string; truncated: boolean }>(`messages?${params}`);
  if (code !== 200) return show('Messages', form, status(describeError(code, body), 'fail'));
  const rows = body.items.map((m) =>
    h(
      'tr',
      { 'data-key': m.key },
      timeCell(m.createdAt),
      h('td', {}, h('a', { href: `#message/${encodeURIComponent(m.key)}` }, m.key)),
      h('td', { class: 'status' }, m.status),
      h('td', {}, m.channel),
      h('td', {}, m.to ?? ''),
      h('td', {}, m.twilioStatus ?? ''),
      h('td', {}, m.errorCode === undefined ? '' : String(m.errorCode)),
    ),
  );
  const more = body.next
    ? h(
        'p',
        {},
        h('a', { href: `#messages?${new URLSearchParams({ ...Object.fromEntries(query), before: body.next })}` }, 'Older messages'),
      )
    : null;
  show(
    'Messages',
    form,
    table(`Messages, newest first (times in ${zone})`, ['Created', 'Key', 'Status', 'Channel', 'To', 'Twilio status', 'Error'], rows),
    body.items.length ? null : h('p', {}, 'No messages match.'),
    body.truncated ? h('p', { class: 'muted' }, 'Only the most recent rows were searched: pick dates to narrow the search.') : null,
    more,
  );
}

interface MessageDetail extends MessageSummary {
  type?: string;
  from?: string;
  messagingServiceSid?: string;
  errorMessage?: string;
  errorLink?: string;
  reason?: string;
  attempts: number;
  correlationId?: string;
  history: Array<{
    status: string;
    at: string;
    eventId?: string;
    twilioStatus?: string;
    errorCode?: number | string;
    errorLink?: string;
    derived?: boolean;
  }>;
  canCancel: boolean;
  canResend: boolean;
}

async function messageView(key: string): Promise<void> {
  const { status: code, body } = await api<MessageDetail>(`messages/${encodeURIComponent(key)}`);
  if (code !== 200) return show(`Message ${key}`, status(describeError(code, body), 'fail'));
  const m = body;
  const entry = (term: string, value: Child) => (value === undefined || value === '' ? [] : [h('dt', {}, term), h('dd', {}, value)]);
  const error =
    m.errorCode === undefined
      ? undefined
      : h(
          'span',
          {},
          `${m.errorCode}${m.errorMessage ? `: ${m.errorMessage}` : ''} `,
          m.errorLink ? h('a', { href: m.errorLink, rel: 'noreferrer', target: '_blank' }, "Twilio's explanation") : '',
        );
  const history = table(
    `Status changes (times in ${zone})`,
    ['Time', 'Status', 'Twilio status', 'Event', 'Error'],
    m.history.map((c) =>
      h(
        'tr',
        {},
        timeCell(c.at),
        h('td', {}, c.status),
        h('td', {}, c.twilioStatus ?? ''),
        h('td', {}, c.eventId ?? (c.derived ? '(from the row’s times)' : '')),
        h(
          'td',
          {},
          c.errorCode === undefined
            ? ''
            : c.errorLink
              ? h('a', { href: c.errorLink, rel: 'noreferrer', target: '_blank' }, String(c.errorCode))
              : String(c.errorCode),
        ),
      ),
    ),
  );
  const actions = h('p', {});
  const result = h('div', {});
  if (m.canCancel)
    actions.append(
      h(
        'button',
        {
          type: 'button',
          id: 'cancel',
          onclick: async () => {
            const answer = await api<{ status?: string }>(`messages/${encodeURIComponent(m.key)}/cancel`, { method: 'POST', body: {} });
            result.replaceChildren(
              answer.status === 200 ? status(`Canceled.`, 'ok') : status(describeError(answer.status, answer.body), 'fail'),
            );
            if (answer.status === 200) void messageView(m.key);
          },
        },
        'Cancel this message',
      ),
    );
  if (m.canResend) {
    const resend = new URLSearchParams({ resend: m.key, channel: m.channel, to: m.to ?? '' });
    actions.append(h('a', { href: `#send?${resend}`, id: 'resend' }, 'Resend under a new key'));
  }
  show(
    `Message ${m.key}`,
    h(
      'dl',
      {},
      ...entry('Status', h('span', { id: 'detail-status' }, m.status)),
      ...entry('Channel', m.channel),
      ...entry('To', m.to),
      ...entry('From', m.from ?? m.messagingServiceSid),
      ...entry('Twilio SID', m.sid),
      ...entry('Twilio status', m.twilioStatus),
      ...entry('Error', error),
      ...entry('Reason', m.reason),
      ...entry('Scheduled for', m.sendAt ? when(m.sendAt) : undefined),
      ...entry('Created', when(m.createdAt)),
      ...entry('Attempts', String(m.attempts)),
      ...entry('Correlation id', m.correlationId),
    ),
    history,
    actions,
    result,
  );
}

// Send -------------------------------------------------------------------------------------------------------

function sendView(): void {
  const query = hashQuery();
  const channel = select('channel', ['sms', 'whatsapp', 'call'], query.get('channel') ?? 'sms');
  const to = h('input', {
    name: 'to',
    required: true,
    autocomplete: 'off',
    inputmode: 'tel',
    value: (query.get('to') ?? '').replace(/^whatsapp:/, ''),
    placeholder: '+14155550100',
  });
  const from = h('input', { name: 'from', autocomplete: 'off', placeholder: 'default sender' });
  const body = h('textarea', { name: 'body', rows: 4, maxlength: 1600 });
  const callKind = select('callKind', ['say', 'TwiML URL'], 'say');
  const say = h('textarea', { name: 'say', rows: 3 });
  const url = h('input', { name: 'url', type: 'url', placeholder: 'https://…' });
  const key = h('input', { name: 'idempotencyKey', autocomplete: 'off', placeholder: 'made for you when empty' });
  const smsFields = h('div', { id: 'sms-fields' }, field('Message', body));
  const callFields = h('div', { id: 'call-fields' }, field('The call', callKind), field('Words to say', say), field('TwiML URL', url));
  const result = h('div', { id: 'send-result' });
  const sync = () => {
    const isCall = channel.value === 'call';
    smsFields.hidden = isCall;
    callFields.hidden = !isCall;
    say.disabled = callKind.value !== 'say';
    url.disabled = callKind.value === 'say';
  };
  channel.addEventListener('change', sync);
  callKind.addEventListener('change', sync);
  const form = h(
    'form',
    { class: 'stack', 'aria-label': 'Send a message or call' },
    field('Channel', channel),
    field('To', to),
    field('From (optional)', from),
    smsFields,
    callFields,
    field('Idempotency key (optional)', key),
    h('button', { type: 'submit', id: 'send' }, 'Send'),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const address = (value: string) =>
      channel.value === 'whatsapp' && value && !value.startsWith('whatsapp:') ? `whatsapp:${value}` : value;
    const message: Record<string, unknown> =
      channel.value === 'call'
        ? { type: 'call', to: to.value.trim(), ...(callKind.value === 'say' ? { say: say.value } : { url: url.value.trim() }) }
        : { type: 'sms', to: address(to.value.trim()), body: body.value };
    if (from.value.trim()) message.from = address(from.value.trim());
    if (key.value.trim()) message.idempotencyKey = key.value.trim();
    const resendOf = query.get('resend');
    if (resendOf) message.metadata = { resendOf };
    const answer = await api<{ key?: string; status?: string }>('send', { method: 'POST', body: message });
    if (answer.status === 202 && answer.body.key) {
      result.replaceChildren(
        status(`Accepted: ${answer.body.status ?? 'accepted'}.`, 'ok'),
        h('p', {}, h('a', { href: `#message/${encodeURIComponent(answer.body.key)}`, id: 'sent-link' }, `Follow ${answer.body.key}`)),
      );
    } else result.replaceChildren(status(describeError(answer.status, answer.body), 'fail'));
  });
  show(
    'Send',
    query.get('resend')
      ? h('p', {}, `Resending ${query.get('resend')} under a new key. The ledger keeps no message text: write it again.`)
      : null,
    form,
    result,
  );
  sync();
}

// Activity ---------------------------------------------------------------------------------------------------

interface ActivityItem {
  eventId: string;
  kind: string;
  at: string;
  sid?: string;
  from?: string;
  to?: string;
  outcome: string;
  durationSeconds?: number;
  playUrl?: string;
}

async function activityView(): Promise<void> {
  const query = hashQuery();
  const kind = select('kind', ['', 'call', 'sms', 'voicemail', 'transcription'], query.get('kind') ?? '');
  const form = h(
    'form',
    { class: 'filters', 'aria-label': 'Filter activity' },
    field('Kind', kind),
    h('button', { type: 'submit' }, 'Apply'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    location.hash = kind.value ? `#activity?kind=${kind.value}` : '#activity';
  });
  const { status: code, body } = await api<{ items: ActivityItem[]; truncated: boolean; off?: string }>(`activity?${query}`);
  if (code !== 200) return show('Activity', form, status(describeError(code, body), 'fail'));
  const rows = body.items.map((a) => {
    const play = a.playUrl
      ? h(
          'td',
          {},
          h('audio', { controls: true, preload: 'none', src: a.playUrl, 'aria-label': `Voicemail from ${a.from ?? 'an unknown caller'}` }),
        )
      : h('td', {}, a.durationSeconds !== undefined ? `${a.durationSeconds} s` : '');
    return h(
      'tr',
      { 'data-event': a.eventId },
      timeCell(a.at),
      h('td', {}, a.kind),
      h('td', {}, a.outcome),
      h('td', {}, a.from ?? ''),
      h('td', {}, a.to ?? ''),
      play,
    );
  });
  show(
    'Activity',
    form,
    body.off ? h('p', {}, body.off) : null,
    table(`Calls and texts received, newest first (times in ${zone})`, ['Time', 'Kind', 'Outcome', 'From', 'To', 'Voicemail'], rows),
    body.items.length ? null : h('p', {}, 'Nothing received yet.'),
  );
}

// Opt-outs ---------------------------------------------------------------------------------------------------

interface OptOutItem {
  address: string;
  sender: string;
  keyword: string;
  source: string;
  optedOutAt: string;
}

async function optOutsView(notice?: HTMLElement): Promise<void> {
  const address = h('input', { name: 'address', required: true, autocomplete: 'off', placeholder: '+14155550100' });
  const sender = h('input', { name: 'sender', autocomplete: 'off', placeholder: 'every sender' });
  const add = h(
    'form',
    { class: 'filters', 'aria-label': 'Add an opt-out' },
    field('Number or channel address', address),
    field('Sender (optional)', sender),
    h('button', { type: 'submit', id: 'add-optout' }, 'Add opt-out'),
  );
  add.addEventListener('submit', async (event) => {
    event.preventDefault();
    const answer = await api('optouts', {
      method: 'POST',
      body: { address: address.value.trim(), ...(sender.value.trim() ? { sender: sender.value.trim() } : {}) },
    });
    void optOutsView(answer.status === 200 ? status('Opt-out added.', 'ok') : status(describeError(answer.status, answer.body), 'fail'));
  });
  const { status: code, body } = await api<{ items: OptOutItem[] }>('optouts?pageSize=500');
  if (code !== 200) return show('Opt-outs', add, status(describeError(code, body), 'fail'));
  const rows = body.items.map((o) =>
    h(
      'tr',
      { 'data-address': o.address },
      h('td', {}, o.address),
      h('td', {}, o.sender === '*' ? 'every sender' : o.sender),
      h('td', {}, o.keyword),
      h('td', {}, o.source),
      timeCell(o.optedOutAt),
      h(
        'td',
        {},
        h(
          'button',
          {
            type: 'button',
            'aria-label': `Remove the opt-out of ${o.address}${o.sender === '*' ? '' : ` from ${o.sender}`}`,
            onclick: async () => {
              const answer = await api('optouts/remove', { method: 'POST', body: { address: o.address, sender: o.sender } });
              void optOutsView(
                answer.status === 200 ? status('Opt-out removed.', 'ok') : status(describeError(answer.status, answer.body), 'fail'),
              );
            },
          },
          'Remove',
        ),
      ),
    ),
  );
  show(
    'Opt-outs',
    add,
    notice,
    table(`Numbers that opted out (times in ${zone})`, ['Address', 'Sender', 'Keyword', 'Source', 'Since', ''], rows),
    body.items.length ? null : h('p', {}, 'Nobody has opted out.'),
  );
}

// Health and settings ----------------------------------------------------------------------------------------

interface Check {
  check: string;
  result: 'ok' | 'FAIL' | 'warn' | 'skipped';
  detail: string;
  fix?: string;
}

async function healthView(): Promise<void> {
  show('Health', status('Checking…'));
  const { status: code, body } = await api<{ checks: Check[] }>('health');
  if (code !== 200) return show('Health', status(describeError(code, body), 'fail'));
  const label = { ok: 'OK', FAIL: 'FAILED', warn: 'Warning', skipped: 'Skipped' };
  const rows = body.checks.map((c) =>
    h(
      'tr',
      { 'data-result': c.result },
      h('th', { scope: 'row' }, c.check),
      h('td', { class: c.result === 'ok' ? 'ok' : c.result === 'FAIL' ? 'fail' : 'muted' }, label[c.result]),
      h('td', {}, c.detail),
      h('td', {}, c.fix ?? ''),
    ),
  );
  show('Health', table('What npm run doctor checks, from inside the app', ['Check', 'Result', 'Detail', 'What to do'], rows));
}

interface SettingView {
  name: string;
  description: string;
  value?: string;
  source: string;
  secret: boolean;
}

async function settingsView(): Promise<void> {
  const { status: code, body } = await api<{ settings: SettingView[] }>('settings');
  if (code !== 200) return show('Settings', status(describeError(code, body), 'fail'));
  const rows = body.settings.map((s) =>
    h(
      'tr',
      {},
      h('th', { scope: 'row' }, h('code', {}, s.name)),
      h('td', {}, s.secret ? (s.source === 'not set' ? 'not set' : 'set') : (s.value ?? '')),
      h('td', {}, s.source),
      h('td', {}, s.description),
    ),
  );
  show(
    'Settings',
    table('Every setting, read-only: its value in effect and where it came from', ['Setting', 'Value', 'From', 'What it does'], rows),
  );
}

// Routing ----------------------------------------------------------------------------------------------------

async function route(): Promise<void> {
  const hash = location.hash || '#messages';
  const [section] = hash.slice(1).split('?');
  const [name, ...rest] = section.split('/');
  try {
    if (name === 'message' && rest.length) await messageView(decodeURIComponent(rest.join('/')));
    else if (name === 'send') sendView();
    else if (name === 'activity') await activityView();
    else if (name === 'optouts') await optOutsView();
    else if (name === 'health') await healthView();
    else if (name === 'settings') await settingsView();
    else await messagesView();
  } catch (error) {
    show('Console', status(`Could not load: ${error instanceof Error ? error.message : String(error)}`, 'fail'));
  }
  document.body.dataset.view = name || 'messages';
}

window.addEventListener('hashchange', () => void route());
void route();

export {};
