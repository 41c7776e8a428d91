// The browser scripts' reader: the first place that has the file, read once; none: the error that says to build.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundledFile } from '../../../shared/platform/bundledFile';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bundled-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('reads the first place that has the file, and keeps it', async () => {
  writeFileSync(join(dir, 'b.js'), 'second');
  const read = bundledFile([join(dir, 'a.js'), join(dir, 'b.js')], 'missing');
  expect(await read()).toBe('second');
  writeFileSync(join(dir, 'b.js'), 'changed');
  expect(await read()).toBe('second');
});

test('prefers the first place', async () => {
  writeFileSync(join(dir, 'a.js'), 'first');
  writeFileSync(join(dir, 'b.js'), 'second');
  expect(await bundledFile([join(dir, 'a.js'), join(dir, 'b.js')], 'missing')()).toBe('first');
});

test('none there: the given error, and the next call looks again', async () => {
  const read = bundledFile([join(dir, 'a.js')], 'dist/a.js is missing: run the build');
  await expect(read()).rejects.toThrow('dist/a.js is missing: run the build');
  writeFileSync(join(dir, 'a.js'), 'built');
  expect(await read()).toBe('built');
});

test('an error other than a missing file is thrown as it is', async () => {
  // A directory where the file should be: reading it fails with EISDIR, not ENOENT.
  await expect(bundledFile([dir], 'missing')()).rejects.toMatchObject({ code: 'EISDIR' });
});
