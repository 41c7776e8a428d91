export interface BrowserSearch {
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  isFile?: (path: string) => boolean;
  playwrightBrowser?: () => string | undefined;
}

/** The Chromium or Chrome to drive, or the one line that says how to get one. */
export function findBrowser(io?: BrowserSearch): { path: string; problem?: undefined } | { path?: undefined; problem: string };

export const HOW_TO_GET_ONE: string;

/** The command line: the path on stdout, or the problem as one line on stderr and exit code 1. */
export function cli(io?: BrowserSearch): void;
