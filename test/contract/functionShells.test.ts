// Every file in functions/ is a shell: it registers, reads the request, calls shared/, answers. Decisions live in
// shared/, where a unit test reaches each outcome with its I/O passed in; a branch left in a function file is
// reachable only through the local host with Azurite and Prism. Read with TypeScript's own parser, so a comment or
// a string that mentions `if` is not a branch.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { repoRoot } from '../../harness/localHost';

/** `a ?? 'literal'` (a default for an absent request part) is reading, not deciding; anything else after ?? is. */
function isLiteral(node: ts.Expression): boolean {
  return (
    ts.isStringLiteral(node) ||
    ts.isNumericLiteral(node) ||
    ts.isNoSubstitutionTemplateLiteral(node) ||
    node.kind === ts.SyntaxKind.TrueKeyword ||
    node.kind === ts.SyntaxKind.FalseKeyword ||
    node.kind === ts.SyntaxKind.NullKeyword ||
    (ts.isIdentifier(node) && node.text === 'undefined')
  );
}

const CONTROL_OPERATORS = new Map<ts.SyntaxKind, string>([
  [ts.SyntaxKind.AmpersandAmpersandToken, '&&'],
  [ts.SyntaxKind.BarBarToken, '||'],
  [ts.SyntaxKind.AmpersandAmpersandEqualsToken, '&&='],
  [ts.SyntaxKind.BarBarEqualsToken, '||='],
  [ts.SyntaxKind.QuestionQuestionEqualsToken, '??='],
]);

/** What in this source decides, as `line: form` (empty for a shell). */
export function branchesIn(fileName: string, text: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: string[] = [];
  const at = (node: ts.Node, form: string) =>
    found.push(`${source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1}: ${form}`);
  const visit = (node: ts.Node): void => {
    if (ts.isIfStatement(node)) at(node, 'if');
    else if (ts.isSwitchStatement(node)) at(node, 'switch');
    else if (ts.isConditionalExpression(node)) at(node, '?:');
    else if (ts.isTryStatement(node)) at(node, 'try');
    else if (ts.isIterationStatement(node, false)) at(node, 'loop');
    else if (ts.isBinaryExpression(node)) {
      const operator = CONTROL_OPERATORS.get(node.operatorToken.kind);
      if (operator) at(node, operator);
      else if (node.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken && !isLiteral(node.right))
        at(node, '?? with a computed default');
    } else if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === 'catch')
      at(node, '.catch()');
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const FUNCTIONS = join(repoRoot, 'functions');
const functionFiles = readdirSync(FUNCTIONS).filter((name) => name.endsWith('.ts'));

describe('the rule reads branches', () => {
  it.each([
    ['if', 'if (x) f();'],
    ['switch', 'switch (x) { case 1: f(); }'],
    ['?:', 'const y = x ? 1 : 2;'],
    ['try', 'try { f(); } catch { g(); }'],
    ['loop', 'for (const a of b) f(a);'],
    ['loop', 'while (x) f();'],
    ['&&', 'x && f();'],
    ['||', 'const y = x || f();'],
    ['??=', 'cache ??= load();'],
    ['?? with a computed default', 'const y = x ?? f();'],
    ['.catch()', 'p.catch(() => undefined);'],
    ['if', 'export const h = async () => { if (x) return 1; return 2; };'],
  ])('finds %s', (form, text) => {
    expect(branchesIn('x.ts', text)).toEqual([`1: ${form}`]);
  });

  it('lets a shell read the request with a literal default, and ignores words in comments and strings', () => {
    const shell = [
      '// if the key is missing, the shared code answers 404; while, for, switch are words here',
      "const key = request.params.key ?? '';",
      "const name = url.searchParams.get('key') ?? undefined;",
      "context.log('if || && ? :');",
      'return answerKey(io, key, request.method);',
    ].join('\n');
    expect(branchesIn('x.ts', shell)).toEqual([]);
  });
});

/**
 * Function files whose decisions are still to move into shared/, each with the reason. Each must still branch: a
 * file moved leaves the list. Empty: every function file is a shell.
 */
const NOT_YET_SHELLS = new Set<string>([]);

describe('functions/ holds shells', () => {
  it('finds the function files', () => {
    expect(functionFiles.length).toBeGreaterThan(20);
  });

  it.each(functionFiles.filter((name) => !NOT_YET_SHELLS.has(name)))(
    '%s decides nothing (its decisions are in shared/, unit-tested)',
    (name) => {
      expect(branchesIn(name, readFileSync(join(FUNCTIONS, name), 'utf8'))).toEqual([]);
    },
  );

  // jest refuses an empty table, so the listed files are checked one by one.
  it('each file not yet a shell still branches and exists', () => {
    for (const name of NOT_YET_SHELLS) expect(branchesIn(name, readFileSync(join(FUNCTIONS, name), 'utf8'))).not.toEqual([]);
  });
});
