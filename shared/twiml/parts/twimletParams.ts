// Parameters the twimlets share, read the way twimlets.com reads them. Pure: no I/O.
import { first, list, type WebhookParams } from '../../webhook/params';
import { xmlSafe } from './speech';

/** A twimlet switch such as `Dial=true` or `HumanCheck=1`: on unless absent, empty, `0` or `false`. */
export function flagParam(params: WebhookParams, name: string): boolean {
  const value = first(params, name)?.trim().toLowerCase();
  return value !== undefined && value !== '' && value !== '0' && value !== 'false';
}

/** A trimmed, XML-safe parameter value; undefined when absent or blank. */
export function textParam(params: WebhookParams, name: string): string | undefined {
  const value = xmlSafe(first(params, name) ?? '').trim();
  return value || undefined;
}

/** Twimlets' Timeout: a whole number of seconds, else the twimlet's default. */
export function timeoutParam(params: WebhookParams, fallback: number): number {
  const value = Number(first(params, 'Timeout'));
  return Number.isInteger(value) && value > 0 ? value : fallback;
}

/** PhoneNumbers[] as a clean list: XML-safe, trimmed, empty entries removed. */
export function phoneNumbers(params: WebhookParams): string[] {
  return list(params, 'PhoneNumbers')
    .map((n) => xmlSafe(n).trim())
    .filter(Boolean);
}
