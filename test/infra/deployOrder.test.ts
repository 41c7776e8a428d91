// The order Resource Manager deploys main.json's modules in. Bicep infers dependsOn only from symbolic references,
// so a module that names a resource by string and declares it `existing` can start before the module creating
// it, and fail with ResourceNotFound on a clean subscription (a rerun usually succeeds). Read from main.json,
// which is what Resource Manager runs.
import { deployments, loadMainTemplate, resolve, type ArmResource, type ArmTemplate, type Deployment } from './armTemplate';

const template = loadMainTemplate();
const DEPLOYMENT = 'Microsoft.Resources/deployments';
/** Resources no module creates, because Azure provides them: built-in role definitions. */
const PROVIDED_BY_AZURE = new Set(['Microsoft.Authorization/roleDefinitions']);

function entries(t: ArmTemplate): [string, ArmResource][] {
  return Array.isArray(t.resources) ? t.resources.map((r) => [r.name, r]) : Object.entries(t.resources);
}

const all = deployments(template);
const root = all[0];
const modules = all.filter((d) => d.parent === root);

/** Reads one balanced expression argument starting at text[i], up to the top-level ',' or ')' that ends it. */
function argumentAt(text: string, i: number): string {
  let depth = 0;
  let quoted = false;
  const start = i;
  for (; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === "'") quoted = text[i + 1] === "'" ? (i++, true) : false;
    } else if (c === "'") quoted = true;
    else if (c === '(' || c === '[') depth++;
    else if ((c === ')' || c === ']') && depth > 0) depth--;
    else if ((c === ',' || c === ')' || c === ']') && depth === 0) break;
  }
  return text.slice(start, i).trim();
}

const topType = (type: string) => type.split('/').slice(0, 2).join('/');

/**
 * The top-level resources a module's template refers to, as [type, name expression] pairs: every resourceId()
 * (how an `existing` resource, a scope or a parent appears once compiled) and the parent of every child it
 * creates (a child's name is format('{0}/...', <parent name>, ...)).
 */
function references(d: Deployment): [string, string][] {
  const found: [string, string][] = [];
  const text = JSON.stringify(d.template.resources);
  for (const match of text.matchAll(/resourceId\('([^']+)', /g))
    found.push([topType(match[1]), argumentAt(text, match.index + match[0].length)]);
  for (const [, r] of entries(d.template)) {
    if (r.existing) found.push([topType(r.type), r.name.replace(/^\[|\]$/g, '')]);
    const child = /^\[format\('\{0\}\/[^']*', /.exec(r.name);
    if (r.type.split('/').length > 2 && child) found.push([topType(r.type), argumentAt(r.name, child[0].length)]);
  }
  return found;
}

/** A name expression as the root template sees it, followed through module parameters. */
const rootName = (d: Deployment, expression: string) => String(resolve(d, `[${expression}]`).value);

/** Every deployment under a root-level module, the module itself included. */
function within(module: Deployment): Deployment[] {
  return all.filter((d) => {
    for (let at: Deployment | undefined = d; at; at = at.parent) if (at === module) return true;
    return false;
  });
}

const creatorOf = new Map<string, string>();
const createdLocally = new Set<string>();
for (const module of modules) {
  for (const d of within(module)) {
    for (const [, r] of entries(d.template)) {
      if (r.existing || r.type === DEPLOYMENT || r.type.split('/').length !== 2) continue;
      creatorOf.set(`${r.type} ${rootName(d, r.name.replace(/^\[|\]$/g, ''))}`, module.symbol);
      createdLocally.add(`${d.symbol} ${r.type} ${r.name.replace(/^\[|\]$/g, '')}`);
    }
  }
}

const rootResources = Object.fromEntries(entries(template)) as Record<string, ArmResource & { dependsOn?: string[] }>;

function dependsTransitively(from: string, on: string, seen = new Set<string>()): boolean {
  for (const next of rootResources[from]?.dependsOn ?? []) {
    if (next === on) return true;
    if (!seen.has(next)) {
      seen.add(next);
      if (dependsTransitively(next, on, seen)) return true;
    }
  }
  return false;
}

const uses = modules.flatMap((module) =>
  within(module).flatMap((d) =>
    references(d)
      .filter(([type, name]) => !createdLocally.has(`${d.symbol} ${type} ${name}`))
      .map(([type, name]) => ({ module: module.symbol, type, id: `${type} ${rootName(d, name)}` })),
  ),
);

test('the template is compiled with symbolic names, so dependsOn names modules', () => {
  expect((template as { languageVersion?: string }).languageVersion).toBe('2.0');
  expect(modules.length).toBeGreaterThan(5);
  expect(uses.length).toBeGreaterThan(5);
});

test('every existing resource a module uses is created by a module of this template, or provided by Azure', () => {
  const unknown = uses.filter((u) => !PROVIDED_BY_AZURE.has(u.type) && !creatorOf.has(u.id)).map((u) => `${u.module}: ${u.id}`);
  expect(unknown).toEqual([]);
});

test('every module that declares an existing resource depends, directly or transitively, on the module that creates it', () => {
  const races = uses
    .filter((u) => creatorOf.has(u.id))
    .map((u) => ({ ...u, creator: creatorOf.get(u.id)! }))
    .filter((u) => u.creator !== u.module && !dependsTransitively(u.module, u.creator))
    .map((u) => `${u.module} uses ${u.id} before ${u.creator} creates it`)
    .filter((line, i, lines) => lines.indexOf(line) === i);
  expect(races).toEqual([]);
});

test('the Function App starts only after its identity holds its storage roles', () => {
  const rbac = creatorOf.get([...creatorOf.keys()].find((id) => id.startsWith('Microsoft.Authorization/roleAssignments '))!);
  const site = [...creatorOf.entries()].find(([id]) => id.startsWith('Microsoft.Web/sites '))![1];
  expect(rbac).toBeDefined();
  expect(dependsTransitively(site, rbac!)).toBe(true);
});
