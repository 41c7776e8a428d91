// The invocation's log as the shared code writes it: each line with its level, for tests to assert on.
import type { InvocationLog } from '../../shared/webhook/responses';

export interface RecordedLog extends InvocationLog {
  lines: Array<{ level: 'log' | 'warn' | 'error'; line: string }>;
  /** The lines' text at one level. */
  at(level: 'log' | 'warn' | 'error'): string[];
}

export function recordingLog(): RecordedLog {
  const lines: RecordedLog['lines'] = [];
  return {
    lines,
    log: (line) => lines.push({ level: 'log', line }),
    warn: (line) => lines.push({ level: 'warn', line }),
    error: (line) => lines.push({ level: 'error', line }),
    at: (level) => lines.filter((l) => l.level === level).map((l) => l.line),
  };
}
