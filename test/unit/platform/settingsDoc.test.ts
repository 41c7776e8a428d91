// docs/settings.md is generated from the settings declarations; this fails when the page and the declarations differ.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SETTINGS_DOC, settingsReference } from '../../../scripts/settingsDoc';
import { GROUPS, SETTINGS } from '../../../shared/platform/settings';

const root = join(__dirname, '..', '..', '..');

test('docs/settings.md is what `npm run docs` writes from the declarations', () => {
  expect(readFileSync(join(root, SETTINGS_DOC), 'utf8')).toBe(settingsReference());
});

test('the reference lists every setting once, under the feature that declares it, with its default, format and deployment', () => {
  const page = settingsReference();
  for (const [name, spec] of Object.entries(SETTINGS)) {
    const rows = page.split('\n').filter((line) => line.startsWith(`| \`${name}\` |`));
    expect([name, rows.length]).toEqual([name, 1]);
    const section = page.slice(0, page.indexOf(rows[0])).lastIndexOf(`\n## ${spec.group}\n`);
    expect([name, section > 0]).toEqual([name, true]);
    expect(rows[0]).toContain(spec.deployed ? '| yes |' : '| no |');
    if (spec.default !== undefined) expect(rows[0]).toContain(`\`${spec.default}\``);
  }
  for (const group of GROUPS)
    expect(page).toContain(`## ${group.feature}\n\nDeclared in [\`${group.declaredIn}\`](../${group.declaredIn}).`);
});
