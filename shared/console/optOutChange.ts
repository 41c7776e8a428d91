// The console's opt-out changes (POST /api/console/optouts {address, sender?, keyword?} and optouts/remove
// {address, sender?}) as the opt-out API's requests: PUT or DELETE /api/optouts/{address}. Pure.

export type OptOutChange =
  | { ok: true; method: 'PUT'; address: string; body: string }
  | { ok: true; method: 'DELETE'; address: string; query: Record<string, string> }
  | { ok: false; error: string; issues?: Array<{ path: string; message: string }> };

/** The body read as the opt-out API's request, or the 400's body. `add`: optouts (PUT) rather than optouts/remove (DELETE). */
export function readOptOutChange(text: string, add: boolean): OptOutChange {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { ok: false, error: 'The body must be JSON: {"address": "+14155550100"}.' };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body) || typeof (body as { address?: unknown }).address !== 'string')
    return {
      ok: false,
      error: 'The body needs an address: {"address": "+14155550100"}.',
      issues: [{ path: 'address', message: 'required' }],
    };
  const { address, sender, ...rest } = body as { address: string; sender?: unknown };
  if (add)
    return {
      ok: true,
      method: 'PUT',
      address,
      body: JSON.stringify({ ...(sender !== undefined && sender !== '' ? { sender } : {}), ...rest }),
    };
  if (Object.keys(rest).length) return { ok: false, error: `unknown field "${Object.keys(rest)[0]}"` };
  if (sender !== undefined && typeof sender !== 'string') return { ok: false, error: 'sender must be text' };
  return { ok: true, method: 'DELETE', address, query: sender ? { sender } : {} };
}
