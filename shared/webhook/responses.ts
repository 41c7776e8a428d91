// The answers HTTP functions build, and where their log lines go. Pure: the shared code that decides an answer
// builds it here and writes its lines to the invocation's log, which comes in as a parameter.
import type { HttpResponseInit } from '@azure/functions';

export function twimlResponse(twiml: string): HttpResponseInit {
  return { status: 200, headers: { 'Content-Type': 'text/xml; charset=utf-8' }, body: twiml };
}

export function textResponse(status: number, text: string): HttpResponseInit {
  return { status, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: text };
}

/** The invocation's log (an InvocationContext is one); tests pass a recorder. */
export interface InvocationLog {
  log(line: string): void;
  warn(line: string): void;
  error(line: string): void;
}
