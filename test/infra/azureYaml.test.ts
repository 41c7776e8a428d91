// azure.yaml, as azd reads it (Azure/azure-dev: pkg/project/service_config.go, service_target_functionapp.go,
// project_utils.go): what `azd up` builds, packages and deploys, and in what order.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from './armTemplate';

interface Hook {
  run: string;
}
interface AzureYaml {
  name: string;
  requiredVersions?: { azd?: string };
  hooks?: Record<string, Hook>;
  services: Record<
    string,
    { project: string; language: string; host: string; dist?: string; remoteBuild?: boolean; hooks?: Record<string, Hook> }
  >;
}

const azureYaml = parse(readFileSync(join(repoRoot, 'azure.yaml'), 'utf8')) as AzureYaml;
const api = azureYaml.services.api;

test('one TypeScript function service, api, at the project root', () => {
  expect(Object.keys(azureYaml.services)).toEqual(['api']);
  expect(api).toMatchObject({ project: '.', language: 'ts', host: 'function' });
});

test('deploys the folder scripts/package.mjs builds, which its prepackage hook runs', () => {
  expect(api.dist).toBe('build/package');
  expect(api.hooks?.prepackage?.run).toBe('node scripts/package.mjs');
  const script = readFileSync(join(repoRoot, 'scripts', 'package.mjs'), 'utf8');
  expect(script).toContain("join(root, 'build', 'package')");
});

test('turns remote build off explicitly, and requires an azd that knows the setting', () => {
  // A remote (Oryx) build would run npm install and npm run build on the uploaded folder; before 1.23.5 azd had no
  // remoteBuild setting and always asked for one for JavaScript and TypeScript on Flex Consumption.
  expect(api.remoteBuild).toBe(false);
  expect(azureYaml.requiredVersions?.azd).toBe('>= 1.23.5');
});

test('no ignore file at the project root excludes node_modules, which azd 1.23.12+ refuses with remoteBuild: false', () => {
  const ignore = join(repoRoot, '.funcignore');
  if (!existsSync(ignore)) return;
  const lines = readFileSync(ignore, 'utf8')
    .split('\n')
    .map((l) => l.trim());
  expect(lines.filter((l) => /^\/?node_modules\/?(\*\*)?$/.test(l))).toEqual([]);
});

test('waits for the new role assignments after provisioning, before anything is deployed', () => {
  expect(azureYaml.hooks?.postprovision?.run).toBe('node scripts/wait-for-roles.mjs');
  expect(existsSync(join(repoRoot, 'scripts', 'wait-for-roles.mjs'))).toBe(true);
});
