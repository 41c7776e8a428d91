// A request as the function-key API's own handlers read it, made from a console request: the console calls those
// handlers, so that sending, cancel and opt-outs go through one code path.
import { HttpRequest } from '@azure/functions';

export function internalRequest(
  from: { url: string },
  init: { method: string; body?: string; params?: Record<string, string>; query?: Record<string, string> },
): HttpRequest {
  return new HttpRequest({
    method: init.method,
    url: from.url,
    ...(init.body !== undefined && { body: { string: init.body }, headers: { 'content-type': 'application/json' } }),
    params: init.params ?? {},
    query: init.query ?? {},
  });
}
