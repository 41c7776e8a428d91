// Twilio allows about 100 concurrent REST requests per account. On Flex Consumption the outbound function scales
// in its own group, to maximumInstanceCount on-demand instances plus its always-ready ones, and each instance runs
// batchSize + newBatchThreshold messages at once (each with one Twilio request in flight). main.json derives the
// per-instance queue settings from twilioMaxConcurrency so that the product never exceeds it, for any parameters.
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ArmEvaluator, DeploymentExpressionError } from './armExpression';
import { loadMainTemplate, onlyResource, repoRoot, siteConfig } from './armTemplate';

const template = loadMainTemplate();
const settingsModule = siteConfig(template, 'appsettings');
/** The app settings object as main.json passes it to the settings module: values are root-level expressions. */
const appSettingsExpressions = settingsModule.deployment.passed.appSettings as Record<string, string>;
const site = onlyResource(template, 'Microsoft.Web/sites');
const alwaysReadyExpressions = site.deployment.passed.alwaysReady as { name: string; instanceCount: string }[];

const BATCH = 'AzureFunctionsJobHost__extensions__queues__batchSize';
const THRESHOLD = 'AzureFunctionsJobHost__extensions__queues__newBatchThreshold';

interface Deployed {
  batchSize: number;
  newBatchThreshold: number;
  outboundInstances: number;
  budget: number;
}

/** What a deployment with these parameters sets, or the error that stops it. */
function deploy(parameters: Record<string, number>): Deployed {
  const arm = new ArmEvaluator(template, parameters);
  const setting = (name: string) => Number(arm.value(appSettingsExpressions[name]));
  const outbound = alwaysReadyExpressions.find((group) => group.name === 'function:outbound')!;
  return {
    batchSize: setting(BATCH),
    newBatchThreshold: setting(THRESHOLD),
    outboundInstances: Number(arm.value("[parameters('maximumInstanceCount')]")) + Number(arm.value(outbound.instanceCount)),
    budget: setting('TWILIO_MAX_CONCURRENCY'),
  };
}

function range(name: string): { min: number; max: number } {
  const definition = template.parameters?.[name];
  return { min: definition?.minValue ?? 0, max: definition?.maxValue ?? 1000 };
}

/** The rule itself: within budget, legal for the Storage extension, and no share left unused. Empty when kept. */
function broken(d: Deployed): string[] {
  const perInstance = d.batchSize + d.newBatchThreshold;
  const problems: string[] = [];
  if (!(d.batchSize >= 1 && d.batchSize <= 32)) problems.push(`batchSize ${d.batchSize} is outside 1..32 (QueuesOptions)`);
  if (!(d.newBatchThreshold >= 0)) problems.push(`newBatchThreshold ${d.newBatchThreshold} is negative`);
  if (d.outboundInstances * perInstance > d.budget) problems.push(`${d.outboundInstances} x ${perInstance} exceeds ${d.budget}`);
  if (perInstance < 48 && d.outboundInstances * (perInstance + 1) <= d.budget)
    problems.push(`${d.outboundInstances} x ${perInstance} leaves a share of ${d.budget} unused`);
  return problems.map((p) => `${JSON.stringify(d)}: ${p}`);
}

function expectBounded(d: Deployed): void {
  expect(broken(d)).toEqual([]);
}

function stops(parameters: Record<string, number>): boolean {
  try {
    deploy(parameters);
    return false;
  } catch (error) {
    return (
      error instanceof DeploymentExpressionError &&
      /twilioMaxConcurrency \(TWILIO_MAX_CONCURRENCY\) must be at least maximumInstanceCount/.test(error.message)
    );
  }
}

test("sets batchSize and newBatchThreshold explicitly, as the host's app-setting overrides of host.json", () => {
  // newBatchThreshold left out would default to (batchSize / 2) x processor count (QueuesOptions).
  expect(appSettingsExpressions[BATCH]).toMatch(/^\[string\(variables\('[A-Za-z]+'\)\)\]$/);
  expect(appSettingsExpressions[THRESHOLD]).toMatch(/^\[string\(variables\('[A-Za-z]+'\)\)\]$/);
  expect(appSettingsExpressions.TWILIO_MAX_CONCURRENCY).toBe("[string(parameters('twilioMaxConcurrency'))]");
});

test('with the defaults, 40 outbound instances run 1 + 1 messages each: 80 Twilio requests at most', () => {
  expect(template.parameters?.twilioMaxConcurrency?.defaultValue).toBe(80);
  const d = deploy({});
  expect(d).toEqual({ batchSize: 1, newBatchThreshold: 1, outboundInstances: 40, budget: 80 });
  expectBounded(d);
});

test('for every maximumInstanceCount and outbound always-ready count, the default budget holds', () => {
  const instances = range('maximumInstanceCount');
  const ready = range('outboundAlwaysReadyInstances');
  const problems: string[] = [];
  let deployable = 0;
  for (let max = instances.min; max <= instances.max; max++) {
    for (let alwaysReady = ready.min; alwaysReady <= ready.max; alwaysReady++) {
      const parameters = { maximumInstanceCount: max, outboundAlwaysReadyInstances: alwaysReady };
      if (max + alwaysReady > 80) {
        if (!stops(parameters)) problems.push(`${JSON.stringify(parameters)} deploys although 80 cannot be shared`);
      } else {
        problems.push(...broken(deploy(parameters)));
        deployable++;
      }
    }
  }
  expect(problems).toEqual([]);
  expect(deployable).toBeGreaterThan(0);
});

test('for any parameter values, the deployment either stays within twilioMaxConcurrency or stops, naming the setting', () => {
  const budget = range('twilioMaxConcurrency');
  const instances = range('maximumInstanceCount');
  const ready = range('outboundAlwaysReadyInstances');
  expect(budget.max).toBeGreaterThan(budget.min);
  fc.assert(
    fc.property(
      fc.integer(budget),
      fc.integer(instances),
      fc.integer(ready),
      fc.integer({ min: 0, max: range('httpAlwaysReadyInstances').max }),
      (twilioMaxConcurrency, maximumInstanceCount, outboundAlwaysReadyInstances, httpAlwaysReadyInstances) => {
        const parameters = { twilioMaxConcurrency, maximumInstanceCount, outboundAlwaysReadyInstances, httpAlwaysReadyInstances };
        if (twilioMaxConcurrency < maximumInstanceCount + outboundAlwaysReadyInstances) expect(stops(parameters)).toBe(true);
        else expectBounded(deploy(parameters));
      },
    ),
    { numRuns: 3000 },
  );
});

test("the always-ready groups are the HTTP functions and the outbound queue function, which is the only one calling Twilio's REST API", () => {
  expect(alwaysReadyExpressions.map((group) => group.name)).toEqual(['http', 'function:outbound']);
  const outbound = readFileSync(join(repoRoot, 'functions', 'outbound.ts'), 'utf8');
  expect(outbound).toMatch(/app\.storageQueue\('outbound',/);
});

test('host.json leaves dynamic concurrency off, which would replace batchSize with its own limit', () => {
  const hostJson = JSON.parse(readFileSync(join(repoRoot, 'host.json'), 'utf8')) as {
    concurrency?: { dynamicConcurrencyEnabled?: boolean };
  };
  expect(hostJson.concurrency?.dynamicConcurrencyEnabled ?? false).toBe(false);
});
