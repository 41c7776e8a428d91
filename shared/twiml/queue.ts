import VoiceResponse from 'twilio/lib/twiml/VoiceResponse';
import { first, type WebhookParams } from '../webhook/params';
import { appUrl } from './parts/appUrls';
import { dialActionUrl, dialAnswered, isDialAction } from './parts/dialling';
import { TwimlInputError } from './parts/errors';
import { speak, spokenAt } from './parts/speech';
import { flagParam, textParam, timeoutParam } from './parts/twimletParams';
import { memoizeByReads } from './parts/readsMemo';

export const DEFAULT_QUEUE = 'support';
/** Twilio's own hold music, the public file twimlets.com/holdmusic plays. */
export const DEFAULT_HOLD_MUSIC = 'http://com.twilio.music.classical.s3.amazonaws.com/BusyStrings.mp3';

function queueName(params: WebhookParams): string {
  const name = textParam(params, 'Name') ?? DEFAULT_QUEUE;
  if (name.length > 64) throw new TwimlInputError('Name must be at most 64 characters (a Twilio queue name).');
  return name;
}

function maxWait(params: WebhookParams): number | undefined {
  const value = textParam(params, 'MaxWait');
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (!Number.isInteger(seconds) || seconds <= 0) throw new TwimlInputError('MaxWait must be a whole number of seconds.');
  return seconds;
}

/** A whole number Twilio sends, e.g. QueuePosition; undefined when absent or not one. */
function count(params: WebhookParams, name: string): number | undefined {
  const value = Number(first(params, name));
  return Number.isInteger(value) && value >= 0 ? value : undefined;
}

function position(n: number): string {
  return n <= 1 ? 'You are next in line.' : `You are number ${n} in line.`;
}

/** The wait URL, requested again each time it finishes: the caller's place in line, then hold music, or Leave after MaxWait. */
function waitTwiml(response: VoiceResponse, params: WebhookParams, url: URL): void {
  const limit = maxWait(params);
  const waited = count(params, 'QueueTime');
  if (limit !== undefined && waited !== undefined && waited >= limit) {
    response.leave();
    return;
  }
  const place = count(params, 'QueuePosition');
  if (place !== undefined && place > 0) response.say(position(place));
  speak(response, spokenAt(first(params, 'Music') ?? '', url) ?? { kind: 'play', url: DEFAULT_HOLD_MUSIC });
}

/** The Enqueue action, once the caller is out of the queue: done when bridged or gone, else FailUrl or a goodbye. */
function leftTwiml(response: VoiceResponse, params: WebhookParams): void {
  const result = (first(params, 'QueueResult') ?? '').toLowerCase();
  if (result === 'bridged' || result === 'hangup' || result === 'redirected') {
    response.hangup();
    return;
  }
  const failUrl = textParam(params, 'FailUrl');
  if (failUrl) response.redirect(failUrl);
  else {
    response.say('Sorry, nobody can take your call right now. Please try again later.');
    response.hangup();
  }
}

/** An agent's line: Dial the queue, which connects the longest-waiting caller; after it, a word when nobody was waiting. */
function agentTwiml(response: VoiceResponse, params: WebhookParams, url: URL, name: string): void {
  if (isDialAction(params)) {
    if (!dialAnswered(params)) response.say('No callers are waiting.');
    response.hangup();
    return;
  }
  const message = spokenAt(first(params, 'Message') ?? '', url);
  if (message) speak(response, message);
  response.dial({ action: dialActionUrl(url, { Agent: 'true' }), timeout: timeoutParam(params, 20) }).queue(name);
}

/**
 * The queue function: a caller is put in the named queue (<Enqueue>) and waits with their place in line and
 * hold music; after MaxWait seconds they leave it for FailUrl. With Agent=true the call is an agent's, and is
 * connected to the longest-waiting caller (<Dial><Queue>). Wait=true and Left=true mark Twilio's requests to the
 * wait URL and the Enqueue action, both this function again.
 */
export function buildQueue(params: WebhookParams, url: URL): string {
  const response = new VoiceResponse();
  const name = queueName(params);
  if (flagParam(params, 'Agent')) agentTwiml(response, params, url, name);
  else if (flagParam(params, 'Wait')) waitTwiml(response, params, url);
  else if (flagParam(params, 'Left')) leftTwiml(response, params);
  else {
    const limit = maxWait(params);
    const message = spokenAt(first(params, 'Message') ?? '', url);
    if (message) speak(response, message);
    response.enqueue(
      {
        action: appUrl(url, { Name: name, Left: 'true', FailUrl: textParam(params, 'FailUrl') }),
        waitUrl: appUrl(url, { Name: name, Wait: 'true', MaxWait: limit ? String(limit) : undefined, Music: textParam(params, 'Music') }),
      },
      name,
    );
  }
  return response.toString();
}

/** Repeats (the same URL, and the same values in every parameter the builder reads) come from memory. */
export const queueTwiml = memoizeByReads(buildQueue);
