// `npm run send -- batch <file>`: the messages of a CSV (one column per field, a header row) or JSONL file (one
// JSON message per line), each with the line it came from so problems can name it.
import { parse } from 'csv-parse/sync';

export interface FileMessage {
  line: number;
  message: unknown;
}

// CSV cells are text; these fields are not.
const INTEGERS = new Set(['validityPeriod', 'timeout', 'timeLimit']);
const BOOLEANS = new Set(['shortenUrls', 'smartEncoded', 'sendAsMms', 'record']);
const JSON_FIELDS = new Set(['metadata', 'contentVariables']);
/** Several values in one cell, separated by spaces. */
const LISTS = new Set(['mediaUrls']);

export class BatchFileError extends Error {
  override name = 'BatchFileError';
}

function cell(field: string, text: string, line: number): unknown {
  if (INTEGERS.has(field)) return /^-?\d+$/.test(text) ? Number(text) : text;
  if (BOOLEANS.has(field)) return text.toLowerCase() === 'true' ? true : text.toLowerCase() === 'false' ? false : text;
  if (LISTS.has(field)) return text.split(/\s+/);
  if (JSON_FIELDS.has(field)) {
    try {
      return JSON.parse(text);
    } catch {
      throw new BatchFileError(`line ${line}: ${field} must be JSON, e.g. {"1": "Ada"}`);
    }
  }
  return text;
}

export function readBatchFile(name: string, text: string): FileMessage[] {
  if (/\.jsonl$/i.test(name)) {
    return text
      .split('\n')
      .map((raw, i) => ({ raw: raw.trim(), line: i + 1 }))
      .filter(({ raw }) => raw !== '')
      .map(({ raw, line }) => {
        try {
          return { line, message: JSON.parse(raw) as unknown };
        } catch {
          throw new BatchFileError(`line ${line}: not JSON`);
        }
      });
  }
  if (!/\.csv$/i.test(name))
    throw new BatchFileError('the batch file must be .csv (with a header row) or .jsonl (one JSON message per line)');
  const rows: Array<{ record: Record<string, string>; info: { lines: number } }> = parse(text, {
    columns: true,
    skip_empty_lines: true,
    trim: true,
    bom: true,
    info: true,
  });
  return rows.map(({ record, info }) => {
    const message: Record<string, unknown> = {};
    for (const [field, value] of Object.entries(record)) if (value !== '') message[field] = cell(field, value, info.lines);
    return { line: info.lines, message };
  });
}
