// The one way browser tests start a browser: the Chromium or Chrome findBrowser picks, headless, through
// playwright-core (Playwright's own browser downloads are not needed). Without one the test fails with the line
// that says how to get one; it never passes without having run.
import { chromium, type Browser } from 'playwright-core';
import { findBrowser } from './findBrowser.cjs';

export async function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  const found = findBrowser();
  if (!found.path) throw new Error(found.problem);
  return chromium.launch({
    executablePath: found.path,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      ...extraArgs,
    ],
  });
}
