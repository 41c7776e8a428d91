// The small typed parsers settings are declared with. Each throws a SettingsError naming the setting, and says
// how its value is written (format) for the settings reference. Pure.
import { isE164 } from '../phone';
import { SettingsError, type Parser } from './declareSettings';

export function parser<T>(format: string, parse: (value: string, name: string) => T): Parser<T> {
  return { format, parse };
}

/** Free text. */
export const text = parser('text', (value) => value);

/** An identifier such as a number or a SID: placeholders (<...>, ..., XXXX) are refused. */
export const identifier = parser('text', (value, name) => {
  refusePlaceholders(value, name, { realHost: false });
  return value;
});

/** A Twilio credential: an App Service Key Vault reference left unresolved is reported as such, never echoed. */
export const credential = parser('text (a secret)', (value, name) => {
  if (/^@Microsoft\.KeyVault\(/i.test(value)) {
    throw new SettingsError(
      name,
      'is an unresolved Key Vault reference: the platform could not read the secret. Check that the app identity has the Key Vault Secrets User role and that the reference URI is right',
    );
  }
  return value;
});

export const boolean = parser('`true` or `false`', (value, name) => {
  const lower = value.toLowerCase();
  if (lower === 'true' || lower === '1') return true;
  if (lower === 'false' || lower === '0') return false;
  throw new SettingsError(name, `must be true or false, got "${value}"`);
});

export const positiveInt = parser('positive whole number', (value, name) => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) throw new SettingsError(name, `must be a positive whole number, got "${value}"`);
  return parsed;
});

/** A value copied from the docs without filling it in: <app>, ..., XXXX. */
const PLACEHOLDER = /<[^<>]*>|\.\.\.|\u2026|XXXX/;
/** The documentation hosts (RFC 2606), which never serve a real app. */
const EXAMPLE_HOST = /(^|\.)example\.(com|org|net)$/i;

/** The placeholder in a number or URL, or undefined. */
export function placeholderIn(value: string): string | undefined {
  return PLACEHOLDER.exec(value)?.[0];
}

/** Refuses a placeholder, and with `realHost` a documentation host, in an http(s) URL someone will fetch. */
export function refusePlaceholders(value: string, name: string, options: { realHost: boolean; what?: string }): void {
  const what = options.what ? `${options.what} ` : '';
  const placeholder = placeholderIn(value);
  if (placeholder !== undefined)
    throw new SettingsError(name, `${what}holds the placeholder "${placeholder}": replace it with the real value`);
  if (!options.realHost) return;
  let host: string | undefined;
  try {
    host = new URL(value).hostname;
  } catch {
    return;
  }
  if (EXAMPLE_HOST.test(host))
    throw new SettingsError(name, `${what}points at ${host}, a documentation placeholder that serves nothing: use the real host`);
}

function httpUrl(realHost: boolean) {
  return parser(realHost ? 'http(s) URL (a real host)' : 'http(s) URL', (value, name) => {
    refusePlaceholders(value, name, { realHost });
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      throw new SettingsError(name, `is not a valid absolute URL: "${value}"`);
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new SettingsError(name, `must be an http(s) URL: "${value}"`);
    return value.replace(/\/+$/, '');
  });
}

/** An absolute http(s) URL, without its trailing slashes. Placeholders (<app>, ..., XXXX) are refused. */
export const url = httpUrl(false);

/** An http(s) URL the app or Twilio fetches: also refuses the documentation hosts example.com, .org and .net. */
export const fetchedUrl = httpUrl(true);

export const e164 = parser('E.164 number, e.g. +14155550100', (value, name) => {
  refusePlaceholders(value, name, { realHost: false });
  if (!isE164(value)) throw new SettingsError(name, `must be an E.164 phone number such as +14155550100, got "${value}"`);
  return value;
});

/** One of a fixed set of words, compared in lower case. */
export function oneOf<const Word extends string>(words: readonly Word[]): Parser<Word> {
  return parser(words.map((w) => `\`${w}\``).join(', '), (value, name) => {
    const lower = value.toLowerCase();
    if (!(words as readonly string[]).includes(lower)) throw new SettingsError(name, `must be one of ${words.join(', ')}, got "${value}"`);
    return lower as Word;
  });
}

/** A name Azure or Twilio accepts, by its pattern. */
export function named(pattern: RegExp, what: string, format = `${what} name`): Parser<string> {
  return parser(format, (value, name) => {
    if (!pattern.test(value)) throw new SettingsError(name, `is not a valid ${what} name: "${value}"`);
    return value;
  });
}

export const queueName = named(/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/, 'storage queue', 'storage queue name (3-63 of a-z, 0-9, -)');
export const tableName = named(/^[A-Za-z][A-Za-z0-9]{2,62}$/, 'table', 'table name (3-63 letters and digits, a letter first)');
export const containerName = named(
  /^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/,
  'blob container',
  'blob container name (3-63 of a-z, 0-9, -)',
);

/** Comma-separated entries, trimmed, blanks dropped; absent reads as none. */
export function list<T = string>(
  format: string,
  each: (entry: string, name: string) => T = (entry) => entry as T,
  separator: RegExp = /,/,
): Parser<T[], T[]> {
  return {
    format,
    parse: (value, name) =>
      value
        .split(separator)
        .map((entry) => entry.trim())
        .filter(Boolean)
        .map((entry) => each(entry, name)),
    absent: () => [],
  };
}

/** Six space-separated fields of digits, names and `* , - /`; the host itself reports anything finer. */
export const ncrontab = parser('six-field NCRONTAB expression (UTC)', (value, name) => {
  const fields = value.split(/\s+/);
  if (fields.length !== 6 || !fields.every((f) => /^[A-Za-z0-9*,/?-]+$/.test(f))) {
    throw new SettingsError(name, `must be a six-field NCRONTAB expression such as "0 30 3 * * *" (03:30:00 UTC daily), got "${value}"`);
  }
  return value;
});
