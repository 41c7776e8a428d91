// Which browser the browser tests drive, and the one line a machine without one gets.
import { spawnSync } from 'node:child_process';
import { delimiter, join } from 'node:path';
import { findBrowser, HOW_TO_GET_ONE } from '../../../harness/findBrowser.cjs';
import packageJson from '../../../package.json';

const machine = (files: string[], env: NodeJS.ProcessEnv, platform: NodeJS.Platform = 'linux', downloaded?: string) =>
  findBrowser({ env, platform, isFile: (path) => files.includes(path), playwrightBrowser: () => downloaded });

test('CHROMIUM_PATH comes first, and one that names nothing is said so rather than replaced', () => {
  const files = ['/opt/my/chrome', '/usr/bin/chromium'];
  expect(machine(files, { CHROMIUM_PATH: '/opt/my/chrome', PATH: '/usr/bin' })).toEqual({ path: '/opt/my/chrome' });
  expect(machine(files, { CHROMIUM_PATH: '/nowhere/chrome', PATH: '/usr/bin' }).problem).toMatch(/^CHROMIUM_PATH is \/nowhere\/chrome,/);
});

test('then the usual names on PATH, in order of name, then of PATH', () => {
  const env = { PATH: ['/a', '/b'].join(delimiter) };
  expect(machine(['/b/chromium', '/a/google-chrome'], env)).toEqual({ path: '/b/chromium' });
  expect(machine(['/b/google-chrome-stable'], env)).toEqual({ path: '/b/google-chrome-stable' });
});

test('then the usual install paths of the platform, then a browser Playwright downloaded', () => {
  expect(machine(['/opt/google/chrome/chrome'], { PATH: '' })).toEqual({ path: '/opt/google/chrome/chrome' });
  const mac = '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome';
  expect(machine([mac], { PATH: '' }, 'darwin')).toEqual({ path: mac });
  expect(machine([mac], { PATH: '' }, 'linux').problem).toBe(HOW_TO_GET_ONE);
  expect(machine(['/home/x/.cache/ms-playwright/chrome'], { PATH: '' }, 'linux', '/home/x/.cache/ms-playwright/chrome')).toEqual({
    path: '/home/x/.cache/ms-playwright/chrome',
  });
});

test('a machine without one: the command npm test starts with stops with one line saying how to get one', () => {
  const module = join(__dirname, '../../../harness/findBrowser.cjs');
  const run = (io: string) =>
    spawnSync(process.execPath, ['-e', `require(${JSON.stringify(module)}).cli(${io})`], { encoding: 'utf8', env: { PATH: '' } });
  const none = run("{ env: { PATH: '' }, platform: 'aix', playwrightBrowser: () => undefined }");
  expect([none.status, none.stdout, none.stderr]).toEqual([1, '', `${HOW_TO_GET_ONE}\n`]);
  const found = run(`{ env: { CHROMIUM_PATH: ${JSON.stringify(process.execPath)} } }`);
  expect([found.status, found.stdout]).toEqual([0, `Browser tests use ${process.execPath}\n`]);
});

test('npm test checks for a browser before anything else, and test:unit does not need one', () => {
  const { scripts } = packageJson as { scripts: Record<string, string> };
  expect(scripts.test.startsWith('node harness/findBrowser.cjs && ')).toBe(true);
  expect(scripts['test:unit']).not.toMatch(/findBrowser/);
});
