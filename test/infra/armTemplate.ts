// Reads the compiled ARM template (infra/main.json) for tests. Bicep compiles each module into a nested
// Microsoft.Resources/deployments resource carrying its own template and the parameter values its parent passes,
// so finding "the storage account" or "every role assignment" means walking those nested templates.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ArmParameter {
  type: string;
  defaultValue?: unknown;
  allowedValues?: unknown[];
  minLength?: number;
  maxLength?: number;
  minValue?: number;
  maxValue?: number;
}

export interface ArmOutput {
  type: string;
  value: unknown;
}

export interface ArmResource {
  type: string;
  name: string;
  apiVersion?: string;
  scope?: string;
  condition?: string | boolean;
  existing?: boolean;
  kind?: string;
  sku?: Record<string, unknown>;
  identity?: { type: string; userAssignedIdentities?: Record<string, unknown> };
  tags?: unknown;
  properties?: Record<string, any>;
}

export interface ArmTemplate {
  $schema: string;
  parameters?: Record<string, ArmParameter>;
  variables?: Record<string, unknown>;
  /** An array, or (languageVersion 2.0) an object keyed by symbolic name. */
  resources: ArmResource[] | Record<string, ArmResource>;
  outputs?: Record<string, ArmOutput>;
}

/** The root template or one module's nested deployment. */
export interface Deployment {
  /** The module's symbolic name (the resource key in its parent); `main` for the root. */
  symbol: string;
  template: ArmTemplate;
  parent?: Deployment;
  /** What the parent passes for each parameter (`properties.parameters.<name>.value`). */
  passed: Record<string, unknown>;
}

export interface PlacedResource {
  symbol: string;
  resource: ArmResource;
  deployment: Deployment;
}

export const repoRoot = join(__dirname, '..', '..');

export function loadMainTemplate(): ArmTemplate {
  return JSON.parse(readFileSync(join(repoRoot, 'infra', 'main.json'), 'utf8')) as ArmTemplate;
}

function entries(template: ArmTemplate): [string, ArmResource][] {
  return Array.isArray(template.resources) ? template.resources.map((r) => [r.name, r]) : Object.entries(template.resources);
}

const DEPLOYMENT = 'Microsoft.Resources/deployments';

/** The root and every nested deployment under it, depth first. */
export function deployments(template: ArmTemplate): Deployment[] {
  const found: Deployment[] = [];
  const visit = (deployment: Deployment): void => {
    found.push(deployment);
    for (const [symbol, resource] of entries(deployment.template)) {
      if (resource.type !== DEPLOYMENT || !resource.properties?.template) continue;
      const passed = Object.fromEntries(
        Object.entries((resource.properties.parameters ?? {}) as Record<string, { value?: unknown }>).map(([name, p]) => [name, p.value]),
      );
      visit({ symbol, template: resource.properties.template as ArmTemplate, parent: deployment, passed });
    }
  };
  visit({ symbol: 'main', template, passed: {} });
  return found;
}

/** Every resource the template creates (not `existing` references, not the module deployments themselves). */
export function createdResources(template: ArmTemplate, type?: string): PlacedResource[] {
  return deployments(template).flatMap((deployment) =>
    entries(deployment.template)
      .filter(([, r]) => !r.existing && r.type !== DEPLOYMENT && (type === undefined || r.type === type))
      .map(([symbol, resource]) => ({ symbol, resource, deployment })),
  );
}

/** The one created resource of a type; fails the test when there are none or several. */
export function onlyResource(template: ArmTemplate, type: string): PlacedResource {
  const found = createdResources(template, type);
  if (found.length !== 1) throw new Error(`expected exactly one ${type}, found ${found.length}`);
  return found[0];
}

/** The one Microsoft.Web/sites/config resource with this name (appsettings, authsettingsV2, ...). */
export function siteConfig(template: ArmTemplate, name: string): PlacedResource {
  const found = createdResources(template, 'Microsoft.Web/sites/config').filter((r) => r.resource.name.includes(`'${name}'`));
  if (found.length !== 1) throw new Error(`expected exactly one sites/config ${name}, found ${found.length}`);
  return found[0];
}

const PARAMETER_REFERENCE = /^\[parameters\('([^']+)'\)\]$/;
const PARAMETER_IN_STRING = /^\[string\(parameters\('([^']+)'\)\)\]$/;

/**
 * Follows a value through module boundaries: `[parameters('x')]` inside a module becomes what the parent passed
 * for x, repeatedly. Returns the first value that is not a plain parameter reference, and where it was found.
 */
export function resolve(deployment: Deployment, value: unknown): { value: unknown; deployment: Deployment } {
  const match = typeof value === 'string' ? PARAMETER_REFERENCE.exec(value) : null;
  if (!match || !deployment.parent) return { value, deployment };
  const name = match[1];
  if (!(name in deployment.passed)) return { value, deployment };
  return resolve(deployment.parent, deployment.passed[name]);
}

/**
 * The root template parameter a value comes from, when it is that parameter passed down unchanged (or turned into
 * a string with string()). Undefined for anything computed.
 */
export function rootParameter(deployment: Deployment, value: unknown): { name: string; definition: ArmParameter } | undefined {
  const resolved = resolve(deployment, value);
  if (resolved.deployment.parent || typeof resolved.value !== 'string') return undefined;
  const match = PARAMETER_REFERENCE.exec(resolved.value) ?? PARAMETER_IN_STRING.exec(resolved.value);
  const definition = match ? resolved.deployment.template.parameters?.[match[1]] : undefined;
  return match && definition ? { name: match[1], definition } : undefined;
}

/** The symbolic name of the root-level module whose template creates a resource of this type. */
export function moduleCreating(template: ArmTemplate, type: string): string {
  const placed = onlyResource(template, type);
  let deployment = placed.deployment;
  while (deployment.parent?.parent) deployment = deployment.parent;
  return deployment.symbol;
}
