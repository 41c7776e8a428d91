// The architecture as rules on imports, read with TypeScript's own parser (comments and strings are not imports).
//
// 1. bench/ holds measurements and test/ holds tests; what both use lives in harness/. Neither imports the other,
//    and harness/ imports neither.
// 2. Inside a feature folder (everything under shared/ except shared/platform/, and shared/*.ts itself) a file is
//    pure unless its name ends with what it talks to (IO_SUFFIXES). A pure file may not value-import an Azure SDK,
//    twilio's REST client, a node module that does I/O, an I/O file of a feature or an I/O file of platform/, and
//    may not mention process.env. `import type` is allowed anywhere: it is gone from the built code.
// 3. platform/ composes the settings groups each feature declares (<feature>/<name>Settings.ts) and imports no other
//    feature code, so the platform does not depend on what the features do.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { repoRoot } from '../../harness/localHost';

/** A file whose name ends with one of these talks to what it names; every other feature file is pure. */
const IO_SUFFIXES = ['Table', 'Queue', 'Blob', 'Api', 'Vault', 'Http', 'Grid', 'Io'];

/**
 * The platform/ files a pure file may import: they do no I/O, read no setting and load no SDK. Every other
 * platform file does (settings reads process.env, hostJson reads host.json, azureErrors loads the Azure pipeline,
 * the rest build SDK clients).
 */
const PURE_PLATFORM_FILES = new Set([
  'shared/platform/routes.ts',
  'shared/platform/refreshingCache.ts',
  'shared/platform/declareSettings.ts',
  'shared/platform/settingParsers.ts',
  'shared/platform/htmlPage.ts',
]);

/** twilio's pure corners: TwiML builders, webhook signature validation and access tokens. The rest is the REST client. */
const PURE_TWILIO = /^twilio\/lib\/(twiml|webhooks|jwt)\//;

/** Node modules that reach the file system, the network or other processes. */
const NODE_IO_MODULES = new Set([
  'fs',
  'fs/promises',
  'net',
  'tls',
  'dgram',
  'dns',
  'dns/promises',
  'http',
  'https',
  'http2',
  'child_process',
]);

interface Import {
  specifier: string;
  /** Only types: `import type`, `export type`, or every named binding marked `type`. */
  typeOnly: boolean;
  line: number;
}

interface Parsed {
  imports: Import[];
  /** Lines that read process.env. */
  processEnvLines: number[];
}

function lineOf(source: ts.SourceFile, node: ts.Node): number {
  return source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
}

function importIsTypeOnly(node: ts.ImportDeclaration): boolean {
  const clause = node.importClause;
  if (!clause) return false; // import 'x': run for its side effects
  if (clause.isTypeOnly) return true;
  if (clause.name) return false;
  const bindings = clause.namedBindings;
  return (
    bindings !== undefined && ts.isNamedImports(bindings) && bindings.elements.length > 0 && bindings.elements.every((e) => e.isTypeOnly)
  );
}

export function parseImports(fileName: string, text: string): Parsed {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const imports: Import[] = [];
  const processEnvLines: number[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      imports.push({ specifier: node.moduleSpecifier.text, typeOnly: importIsTypeOnly(node), line: lineOf(source, node) });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      imports.push({ specifier: node.moduleSpecifier.text, typeOnly: node.isTypeOnly, line: lineOf(source, node) });
    } else if (
      ts.isImportEqualsDeclaration(node) &&
      ts.isExternalModuleReference(node.moduleReference) &&
      ts.isStringLiteral(node.moduleReference.expression)
    ) {
      imports.push({ specifier: node.moduleReference.expression.text, typeOnly: node.isTypeOnly, line: lineOf(source, node) });
    } else if (ts.isCallExpression(node)) {
      const [first] = node.arguments;
      const isImport = node.expression.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(node.expression) && node.expression.text === 'require';
      if ((isImport || isRequire) && first && ts.isStringLiteralLike(first)) {
        imports.push({ specifier: first.text, typeOnly: false, line: lineOf(source, node) });
      }
    } else if (
      (ts.isPropertyAccessExpression(node) && node.name.text === 'env') ||
      (ts.isElementAccessExpression(node) && ts.isStringLiteralLike(node.argumentExpression) && node.argumentExpression.text === 'env')
    ) {
      if (ts.isIdentifier(node.expression) && node.expression.text === 'process') processEnvLines.push(lineOf(source, node));
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return { imports, processEnvLines };
}

/** Every .ts file under a folder of the repository, as repository-relative paths with forward slashes. */
function tsFiles(folder: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.(ts|mts|cts)$/.test(entry) && !entry.endsWith('.d.ts')) found.push(relative(repoRoot, path).split('\\').join('/'));
    }
  };
  if (existsSync(join(repoRoot, folder))) walk(join(repoRoot, folder));
  return found.sort();
}

/** A relative specifier as the repository-relative file it names (or the bare path when no file matches). */
function resolveRelative(fromFile: string, specifier: string): string {
  const base = resolve(repoRoot, dirname(fromFile), specifier);
  const candidates = [base, `${base}.ts`, `${base}.cts`, `${base}.mts`, `${base}.js`, `${base}.cjs`, join(base, 'index.ts')];
  const hit = candidates.find((c) => existsSync(c) && statSync(c).isFile()) ?? base;
  return relative(repoRoot, hit).split('\\').join('/');
}

const isRelative = (specifier: string) => specifier.startsWith('./') || specifier.startsWith('../');
const topFolder = (path: string) => path.split('/')[0];
const baseName = (path: string) =>
  path
    .split('/')
    .pop()!
    .replace(/\.(ts|mts|cts)$/, '');

/** A shared/ file outside platform/: a feature file (shared/*.ts counts, as a feature of its own). */
const isFeatureFile = (path: string) => path.startsWith('shared/') && !path.startsWith('shared/platform/');
export const isIoFile = (path: string) => IO_SUFFIXES.some((suffix) => baseName(path).endsWith(suffix));

/** Why a pure shared/ file may not value-import `specifier` (resolved to `target` when relative), or undefined. */
function purityProblem(specifier: string, target: string | undefined): string | undefined {
  if (target !== undefined) {
    if (isFeatureFile(target) && isIoFile(target)) return `imports the I/O file ${target}`;
    if (target.startsWith('shared/platform/') && !PURE_PLATFORM_FILES.has(target))
      return `imports ${target}, a platform file that does I/O (pure ones: ${[...PURE_PLATFORM_FILES].join(', ')})`;
    if (!target.startsWith('shared/')) return `imports ${target}, which is not part of the app`;
    return undefined;
  }
  if (specifier.startsWith('@azure/')) return `imports the Azure SDK package ${specifier}`;
  if (specifier === 'twilio' || (specifier.startsWith('twilio/') && !PURE_TWILIO.test(specifier)))
    return `imports ${specifier}, twilio's REST client (only twilio/lib/twiml, webhooks and jwt are pure)`;
  const nodeModule = specifier.replace(/^node:/, '');
  if (NODE_IO_MODULES.has(nodeModule)) return `imports ${specifier}, which does I/O`;
  return undefined;
}

/** The layering problems of one shared/ file, one line each: `file:line problem`. */
export function sharedFileProblems(path: string, text: string): string[] {
  if (!isFeatureFile(path) || isIoFile(path)) return [];
  const parsed = parseImports(path, text);
  const problems: string[] = [];
  for (const { specifier, typeOnly, line } of parsed.imports) {
    if (typeOnly) continue;
    const problem = purityProblem(specifier, isRelative(specifier) ? resolveRelative(path, specifier) : undefined);
    if (problem) problems.push(`${path}:${line} is pure (its name ends in none of ${IO_SUFFIXES.join('/')}) but ${problem}`);
  }
  for (const line of parsed.processEnvLines)
    problems.push(`${path}:${line} is pure but reads process.env (settings are read in shared/platform/settings.ts)`);
  return problems;
}

/** Imports from one top-level folder into others it may not use: `file:line problem`. */
function crossFolderProblems(folder: string, forbidden: string[]): string[] {
  const problems: string[] = [];
  for (const path of tsFiles(folder)) {
    for (const { specifier, line } of parseImports(path, readFileSync(join(repoRoot, path), 'utf8')).imports) {
      if (!isRelative(specifier)) continue;
      const target = resolveRelative(path, specifier);
      if (forbidden.includes(topFolder(target)))
        problems.push(`${path}:${line} imports ${target}: ${folder}/ may not import from ${topFolder(target)}/`);
    }
  }
  return problems;
}

describe('bench/, test/ and harness/ stay apart', () => {
  test('no file in bench/ imports from test/', () => {
    expect(crossFolderProblems('bench', ['test'])).toEqual([]);
  });

  test('no file in test/ imports from bench/', () => {
    expect(crossFolderProblems('test', ['bench'])).toEqual([]);
  });

  test('harness/, shared by both, imports neither', () => {
    expect(crossFolderProblems('harness', ['bench', 'test'])).toEqual([]);
  });

  test('the app (functions/ and shared/) imports nothing from the local host, the harness, the benchmarks or the tests', () => {
    const rigs = ['devhost', 'harness', 'bench', 'test', 'scripts'];
    expect([...crossFolderProblems('functions', rigs), ...crossFolderProblems('shared', rigs)]).toEqual([]);
  });
});

/** A value import from platform/ into a feature folder that is not a settings group declaration: `file:line problem`. */
export function platformFeatureImports(path: string, text: string): string[] {
  if (!path.startsWith('shared/platform/')) return [];
  return parseImports(path, text)
    .imports.filter(({ specifier, typeOnly }) => !typeOnly && isRelative(specifier))
    .map(({ specifier, line }) => ({ target: resolveRelative(path, specifier), line }))
    .filter(({ target }) => isFeatureFile(target) && target.split('/').length > 2 && !/Settings\.ts$/.test(target))
    .map(({ target, line }) => `${path}:${line} imports ${target}: platform/ imports only the features' settings groups (*Settings.ts)`);
}

describe('platform/ and the features', () => {
  test('platform/ imports no feature code but the settings groups it composes', () => {
    expect(tsFiles('shared/platform').flatMap((path) => platformFeatureImports(path, readFileSync(join(repoRoot, path), 'utf8')))).toEqual(
      [],
    );
  });

  test('a platform file importing feature logic breaks the rule; a group declaration or a type does not', () => {
    expect(platformFeatureImports('shared/platform/settings.ts', "import { parseHours } from '../hours/businessHours';")).toEqual([
      expect.stringContaining('imports shared/hours/businessHours.ts'),
    ]);
    expect(platformFeatureImports('shared/platform/settings.ts', "import { hoursSettings } from '../hours/hoursSettings';")).toEqual([]);
    expect(platformFeatureImports('shared/platform/settings.ts', "import type { VoiceMode } from '../twiml/voiceModes';")).toEqual([]);
  });
});

describe('pure and I/O files in shared/', () => {
  test('every pure file in a feature folder imports only pure code and reads no setting', () => {
    const problems = tsFiles('shared').flatMap((path) => sharedFileProblems(path, readFileSync(join(repoRoot, path), 'utf8')));
    expect(problems).toEqual([]);
  });

  test('the platform files pure files may import are pure themselves', () => {
    for (const path of PURE_PLATFORM_FILES) {
      expect(existsSync(join(repoRoot, path))).toBe(true);
      const asFeatureFile = path.replace('shared/platform/', 'shared/check/');
      expect(sharedFileProblems(asFeatureFile, readFileSync(join(repoRoot, path), 'utf8'))).toEqual([]);
    }
  });

  const problemsOf = (path: string, text: string) => sharedFileProblems(path, text).map((p) => p.replace(/^\S+:\d+ /, ''));

  test('a pure file that value-imports node:fs, an Azure SDK or the twilio REST client breaks the rule, at its line', () => {
    expect(sharedFileProblems('shared/twiml/message.ts', "// pure\nimport { readFileSync } from 'node:fs';\n")).toEqual([
      'shared/twiml/message.ts:2 is pure (its name ends in none of Table/Queue/Blob/Api/Vault/Http/Grid/Io) but imports node:fs, which does I/O',
    ]);
    expect(problemsOf('shared/outbound/x.ts', "import { TableClient } from '@azure/data-tables';")).toHaveLength(1);
    expect(problemsOf('shared/outbound/x.ts', "import twilio from 'twilio';")).toHaveLength(1);
    expect(problemsOf('shared/outbound/x.ts', "import RequestClient from 'twilio/lib/base/RequestClient';")).toHaveLength(1);
    expect(problemsOf('shared/outbound/x.ts', "import { spawn } from 'child_process';")).toHaveLength(1);
  });

  test('dynamic import(), require() and re-exports count as imports', () => {
    expect(problemsOf('shared/outbound/x.ts', "export async function f() { return import('@azure/identity'); }")).toHaveLength(1);
    expect(problemsOf('shared/outbound/x.ts', "const http = require('node:http');")).toHaveLength(1);
    expect(problemsOf('shared/outbound/x.ts', "export { tableClient } from '../platform/storageClients';")).toHaveLength(1);
  });

  test('a pure file may not import an I/O file of a feature, or a platform file other than the pure ones', () => {
    expect(problemsOf('shared/outbound/orchestrator.ts', "import { updateLedgerRow } from './ledgerTable';")).toEqual([
      expect.stringContaining('imports the I/O file shared/outbound/ledgerTable.ts'),
    ]);
    expect(problemsOf('shared/outbound/x.ts', "import { settings } from '../platform/settings';")).toEqual([
      expect.stringContaining('shared/platform/settings.ts, a platform file that does I/O'),
    ]);
    expect(problemsOf('shared/outbound/x.ts', "import { ROUTES } from '../platform/routes';")).toEqual([]);
  });

  test('a pure file may not read process.env; a comment about it is fine', () => {
    expect(problemsOf('shared/twiml/x.ts', 'const token = process.env.TWILIO_AUTH_TOKEN;\n// process.env is read in settings')).toEqual([
      expect.stringContaining('reads process.env'),
    ]);
    expect(problemsOf('shared/twiml/x.ts', "const env = process['env'];")).toHaveLength(1);
  });

  test('types may come from anywhere, and twilio TwiML, webhook and JWT helpers are pure', () => {
    const text = [
      "import type { TableClient } from '@azure/data-tables';",
      "import { type HttpRequest, type HttpResponseInit } from '@azure/functions';",
      "import type { Settings } from '../platform/settings';",
      "export type { LedgerUpdate } from './ledgerTable';",
      "import VoiceResponse from 'twilio/lib/twiml/VoiceResponse';",
      "import { validateRequest } from 'twilio/lib/webhooks/webhooks';",
      "import { createHash } from 'node:crypto';",
    ].join('\n');
    expect(problemsOf('shared/outbound/x.ts', text)).toEqual([]);
  });

  test('files named for what they talk to, and platform/, may do I/O', () => {
    const io = "import { readFileSync } from 'node:fs';\nimport { TableClient } from '@azure/data-tables';\nprocess.env.X;";
    for (const path of [
      'shared/outbound/ledgerTable.ts',
      'shared/events/eventGrid.ts',
      'shared/outbound/liveIo.ts',
      'shared/platform/x.ts',
    ])
      expect(problemsOf(path, io)).toEqual([]);
    expect(problemsOf('shared/outbound/tableHelpers.ts', io)).toHaveLength(3);
  });
});
