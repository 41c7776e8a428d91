// Finds the Chromium or Chrome the browser tests drive: CHROMIUM_PATH, then the usual names on PATH, then the
// usual install paths on Linux and macOS, then a browser that `npx playwright-core install chromium` downloaded.
// Plain CommonJS so that `npm test` can run it before anything is compiled:
//   node harness/findBrowser.cjs   prints the browser's path, or one line saying how to get one (exit 1)
'use strict';
const { statSync } = require('node:fs');
const { delimiter, join } = require('node:path');
const { homedir } = require('node:os');

const PATH_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable', 'chrome'];

const INSTALL_PATHS = {
  linux: ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/snap/bin/chromium', '/opt/google/chrome/chrome'],
  darwin: [
    '/Applications/Chromium.app/Contents/MacOS/Chromium',
    '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
    join(homedir(), 'Applications/Chromium.app/Contents/MacOS/Chromium'),
    join(homedir(), 'Applications/Google Chrome.app/Contents/MacOS/Google Chrome'),
  ],
};

const HOW_TO_GET_ONE =
  'No Chromium or Chrome for the browser tests: install one (Debian/Ubuntu: sudo apt-get install chromium; ' +
  'macOS: brew install --cask chromium; anywhere: npx playwright-core install chromium) or set CHROMIUM_PATH to its executable.';

function isFile(path) {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function playwrightBrowser() {
  try {
    return require('playwright-core').chromium.executablePath();
  } catch {
    return undefined;
  }
}

/**
 * The browser to drive, or { problem } naming what is missing. `io` replaces the machine (tests).
 * A CHROMIUM_PATH that names nothing is a problem of its own, not a reason to pick another browser.
 */
function findBrowser(io = {}) {
  const env = io.env ?? process.env;
  const platform = io.platform ?? process.platform;
  const exists = io.isFile ?? isFile;
  const downloaded = io.playwrightBrowser ?? playwrightBrowser;
  if (env.CHROMIUM_PATH) {
    return exists(env.CHROMIUM_PATH)
      ? { path: env.CHROMIUM_PATH }
      : {
          problem: `CHROMIUM_PATH is ${env.CHROMIUM_PATH}, which is not a file: point it at a Chromium or Chrome executable, or unset it.`,
        };
  }
  const dirs = (env.PATH ?? '').split(delimiter).filter(Boolean);
  for (const name of PATH_NAMES) {
    for (const dir of dirs) {
      if (exists(join(dir, name))) return { path: join(dir, name) };
    }
  }
  for (const path of INSTALL_PATHS[platform] ?? []) {
    if (exists(path)) return { path };
  }
  const fromPlaywright = downloaded();
  if (fromPlaywright && exists(fromPlaywright)) return { path: fromPlaywright };
  return { problem: HOW_TO_GET_ONE };
}

/** The command line: the path on stdout, or the problem as one line on stderr and exit code 1. */
function cli(io) {
  const found = findBrowser(io);
  if (found.path) {
    console.log(`Browser tests use ${found.path}`);
  } else {
    console.error(found.problem);
    process.exitCode = 1;
  }
}

module.exports = { findBrowser, cli, HOW_TO_GET_ONE };

if (require.main === module) cli();
