// The browser phone (served as /api/phone/softphone.js, bundled with the Twilio Voice SDK by scripts/build.mjs):
// fetches a token for the signed-in user, registers for incoming calls, and drives the page's buttons.
import { Call, Device } from '@twilio/voice-sdk';

type State = 'signed-out' | 'offline' | 'registering' | 'ready' | 'ringing' | 'in-call';

interface TokenAnswer {
  token: string;
  identity: string;
  name?: string;
  expiresAt: string;
}

/** Without a registration by then, Twilio is taken to be out of reach. */
const REGISTER_TIMEOUT_MS = 15_000;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const ui = {
  state: $('state'),
  status: $('status'),
  identity: $('identity'),
  number: $<HTMLInputElement>('number'),
  call: $<HTMLButtonElement>('call'),
  hangup: $<HTMLButtonElement>('hangup'),
  accept: $<HTMLButtonElement>('accept'),
  reject: $<HTMLButtonElement>('reject'),
  mute: $<HTMLButtonElement>('mute'),
};

let device: Device | undefined;
let current: Call | undefined;
let incoming: Call | undefined;

function show(state: State, status: string): void {
  document.body.dataset.state = state;
  ui.state.textContent = state;
  ui.status.textContent = status;
  const inCall = state === 'in-call';
  ui.call.disabled = state !== 'ready';
  ui.hangup.disabled = !inCall;
  ui.mute.disabled = !inCall;
  ui.accept.disabled = state !== 'ringing';
  ui.reject.disabled = state !== 'ringing';
  document.querySelectorAll<HTMLButtonElement>('#pad button').forEach((key) => (key.disabled = state === 'signed-out'));
}

class SignedOut extends Error {}

async function fetchToken(): Promise<TokenAnswer> {
  // A lapsed sign-in makes App Service Authentication redirect to the login page: not followed, it means signed out.
  const response = await fetch('/api/token', {
    method: 'POST',
    credentials: 'same-origin',
    redirect: 'manual',
    headers: { Accept: 'application/json' },
  });
  if (response.type === 'opaqueredirect') throw new SignedOut('Your sign-in has lapsed: reload the page to sign in again.');
  const body = (await response.json().catch(() => ({}))) as Partial<TokenAnswer> & { error?: string };
  if (response.status === 401 || response.status === 403) throw new SignedOut(body.error ?? 'Not signed in.');
  if (!response.ok || !body.token) throw new Error(body.error ?? `The token request failed (${response.status}).`);
  return body as TokenAnswer;
}

function idle(): void {
  current = undefined;
  incoming = undefined;
  ui.mute.setAttribute('aria-pressed', 'false');
  ui.mute.textContent = 'Mute';
  if (device?.state === Device.State.Registered) show('ready', 'Ready for calls.');
  else show('offline', 'Not connected to Twilio.');
}

function follow(call: Call, what: string): void {
  current = call;
  show('in-call', what);
  call.on('disconnect', idle);
  call.on('cancel', idle);
  call.on('reject', idle);
  call.on('error', (error: { message?: string }) => {
    idle();
    ui.status.textContent = `Call failed: ${error.message ?? 'unknown error'}`;
  });
}

function onIncoming(call: Call): void {
  if (current || incoming) return call.reject();
  incoming = call;
  show('ringing', `Incoming call from ${call.parameters.From ?? 'unknown'}.`);
  call.on('cancel', idle);
  call.on('disconnect', idle);
}

async function start(): Promise<void> {
  show('registering', 'Getting a token…');
  let answer: TokenAnswer;
  try {
    answer = await fetchToken();
  } catch (error) {
    if (error instanceof SignedOut) show('signed-out', error.message);
    else show('offline', (error as Error).message);
    return;
  }
  const name = answer.name && answer.name !== answer.identity ? ` (${answer.name})` : '';
  ui.identity.textContent = `You are client:${answer.identity}${name}`;
  device = new Device(answer.token, { closeProtection: true, logLevel: 'warn' });
  window.softphone = { device, identity: answer.identity };
  device.on('registering', () => show('registering', 'Connecting to Twilio…'));
  device.on('registered', () => (current ? undefined : show('ready', 'Ready for calls.')));
  device.on('unregistered', () => show('offline', 'Not connected to Twilio.'));
  device.on('error', (error: { code?: number; message?: string }) => {
    if (current) return;
    // The SDK's message already names the error and its code, e.g. "ConnectionError (31005): ...".
    show('offline', `Cannot reach Twilio: ${error.message ?? `error ${error.code ?? 'unknown'}`}`);
  });
  device.on('incoming', onIncoming);
  device.on('tokenWillExpire', () => {
    fetchToken()
      .then((renewed) => device?.updateToken(renewed.token))
      .catch((error: Error) => show(error instanceof SignedOut ? 'signed-out' : 'offline', `Could not renew the token: ${error.message}`));
  });
  setTimeout(() => {
    if (device?.state !== Device.State.Registered && document.body.dataset.state === 'registering')
      show('offline', 'Cannot reach Twilio: no answer from its servers.');
  }, REGISTER_TIMEOUT_MS);
  show('registering', 'Connecting to Twilio…');
  try {
    await device.register();
  } catch (error) {
    show('offline', `Cannot reach Twilio: ${(error as Error).message}.`);
  }
}

document.querySelectorAll<HTMLButtonElement>('#pad button').forEach((key) =>
  key.addEventListener('click', () => {
    const digit = key.dataset.digit!;
    if (current) current.sendDigits(digit);
    else ui.number.value += digit;
  }),
);
ui.call.addEventListener('click', () => {
  const to = ui.number.value.trim();
  if (!device || !to) return;
  show('in-call', `Calling ${to}…`);
  device
    .connect({ params: { To: to } })
    .then((call) => follow(call, `In a call with ${to}.`))
    .catch((error: Error) => {
      idle();
      ui.status.textContent = `Call failed: ${error.message}`;
    });
});
ui.hangup.addEventListener('click', () => current?.disconnect());
ui.accept.addEventListener('click', () => {
  const call = incoming;
  if (!call) return;
  incoming = undefined;
  call.accept();
  follow(call, `In a call with ${call.parameters.From ?? 'the caller'}.`);
});
ui.reject.addEventListener('click', () => {
  incoming?.reject();
  idle();
});
ui.mute.addEventListener('click', () => {
  if (!current) return;
  const muted = !current.isMuted();
  current.mute(muted);
  ui.mute.setAttribute('aria-pressed', String(muted));
  ui.mute.textContent = muted ? 'Unmute' : 'Mute';
});

declare global {
  interface Window {
    /** For tests and the console: the Voice SDK device of this page. */
    softphone?: { device: Device; identity: string };
  }
}

void start();
