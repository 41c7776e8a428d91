// npm run doctor's table: one row per check, with how to fix what failed. Pure: scripts/doctor.ts runs the checks.

export type CheckResult = 'ok' | 'FAIL' | 'warn' | 'skipped';

export interface Check {
  check: string;
  result: CheckResult;
  detail: string;
  /** What to do about a FAIL or a warn. */
  fix?: string;
}

/** Plain-text columns; long cells wrap at `width`. */
export function renderChecks(checks: Check[], width = 60): string {
  const rows = [['check', 'result', 'detail', 'how to fix'], ...checks.map((c) => [c.check, c.result, c.detail, c.fix ?? ''])];
  const wrap = (text: string) => {
    const lines: string[] = [];
    for (const paragraph of text.split('\n')) {
      let line = '';
      for (const word of paragraph.split(' ')) {
        if (line && line.length + word.length + 1 > width) {
          lines.push(line);
          line = word;
        } else line = line ? `${line} ${word}` : word;
      }
      lines.push(line);
    }
    return lines;
  };
  const cells = rows.map((row) => row.map(wrap));
  const widths = [0, 1, 2, 3].map((i) => Math.max(...cells.map((row) => Math.max(...row[i].map((l) => l.length)))));
  const out: string[] = [];
  cells.forEach((row, r) => {
    const height = Math.max(...row.map((c) => c.length));
    for (let line = 0; line < height; line++)
      out.push(
        row
          .map((c, i) => (c[line] ?? '').padEnd(widths[i]))
          .join('  ')
          .trimEnd(),
      );
    if (r === 0) out.push(widths.map((w) => '-'.repeat(w)).join('  '));
  });
  return out.join('\n');
}

export const failed = (checks: Check[]) => checks.some((c) => c.result === 'FAIL');
