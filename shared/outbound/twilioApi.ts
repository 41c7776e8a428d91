// The outbound sender's Twilio I/O: create the message or call, or find one created earlier for the same key.
// Failures come out classified (shared/outbound/errors.ts). Rejected credentials are refreshed once and the
// request repeated: a 401 means Twilio did nothing, so repeating cannot duplicate.
import type { Twilio } from 'twilio';
import { refreshTwilioCredentials } from '../platform/twilioCredentials';
import { twilioClient } from '../platform/twilioClient';
import { SettingsError } from '../platform/settings';
import { AppNotConfiguredError, classifyTwilioError, TwilioAuthError } from './errors';
import { matchingRecords, type TwilioRecord, type TwilioRequest } from './outboundRequest';

/** How many recent records per To/From pair a lookup reads. */
const LOOKUP_LIMIT = 50;

export interface TwilioResource {
  sid: string;
  status: string;
}

/** A message or call a lookup found: a request of ours may have created it. */
export interface TwilioCandidate extends TwilioResource {
  dateCreated: Date;
}

/** A Twilio failure as its class in ./errors; missing credential settings as AppNotConfiguredError. */
function classify(error: unknown) {
  if (error instanceof SettingsError) return new AppNotConfiguredError(error.setting, error.message);
  return classifyTwilioError(error);
}

async function withTwilio<T>(operation: (client: Twilio) => Promise<T>): Promise<T> {
  try {
    return await operation(await twilioClient());
  } catch (error) {
    const classified = classify(error);
    if (!(classified instanceof TwilioAuthError)) throw classified;
  }
  await refreshTwilioCredentials();
  try {
    return await operation(await twilioClient());
  } catch (error) {
    throw classify(error);
  }
}

export function createOnTwilio(request: TwilioRequest): Promise<TwilioResource> {
  return withTwilio(async (client) => {
    if (request.kind === 'sms') {
      // The request's fields are named as the SDK's parameters (ContentSid, ValidityPeriod, ...).
      const { kind: _kind, ...params } = request;
      const message = await client.messages.create(params);
      return { sid: message.sid, status: message.status };
    }
    const { kind: _kind, machineTwiml: _machineTwiml, statusCallback, ...params } = request;
    const call = await client.calls.create({ ...params, statusCallback, statusCallbackMethod: statusCallback ? 'POST' : undefined });
    return { sid: call.sid, status: call.status };
  });
}

/** A machine answered a call with machineSay: the call switches to the TwiML left for machines. */
export function updateCallTwiml(sid: string, twiml: string): Promise<TwilioResource> {
  return withTwilio(async (client) => {
    const call = await client.calls(sid).update({ twiml });
    return { sid: call.sid, status: call.status };
  });
}

/** The messages or calls created at or after `since` that this request would have created (see matchingRecords). */
export function findOnTwilio(request: TwilioRequest, since: Date): Promise<TwilioCandidate[]> {
  return withTwilio(async (client) => {
    // Filter by To/From only: Twilio's date filters work on whole days of date_sent, which a queued
    // message does not have yet. The time window is applied here instead.
    const filter = { to: request.to, from: request.from, limit: LOOKUP_LIMIT, pageSize: LOOKUP_LIMIT };
    let records: Array<TwilioRecord & { status: string }>;
    if (request.kind === 'sms') {
      records = (await client.messages.list(filter)).map((m) => ({
        sid: m.sid,
        to: m.to,
        from: m.from,
        body: m.body,
        messagingServiceSid: m.messagingServiceSid,
        dateCreated: m.dateCreated,
        status: m.status,
      }));
    } else {
      records = (await client.calls.list(filter)).map((c) => ({
        sid: c.sid,
        to: c.to,
        from: c.from,
        dateCreated: c.dateCreated,
        status: c.status,
      }));
    }
    return matchingRecords(request, records, since).map(({ sid, status, dateCreated }) => ({ sid, status, dateCreated }));
  });
}

export interface TwilioStatus extends TwilioResource {
  errorCode?: string;
  errorMessage?: string;
}

/** The message or call as Twilio has it now, for the status re-check. */
export function fetchFromTwilio(kind: 'sms' | 'call', sid: string): Promise<TwilioStatus> {
  return withTwilio(async (client) => {
    if (kind === 'sms') {
      const message = await client.messages(sid).fetch();
      return {
        sid: message.sid,
        status: message.status,
        errorCode: message.errorCode ? String(message.errorCode) : undefined,
        errorMessage: message.errorMessage || undefined,
      };
    }
    const call = await client.calls(sid).fetch();
    return { sid: call.sid, status: call.status };
  });
}
