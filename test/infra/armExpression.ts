// Evaluates the ARM template expressions main.json uses for values that can be computed before deployment
// (parameters, variables, arithmetic, comparisons, if). Anything that needs Azure (reference(), resourceId(), ...)
// throws UnsupportedExpression, so a test never mistakes an unevaluated value for a computed one.
import { createHash } from 'node:crypto';
import type { ArmTemplate, Deployment } from './armTemplate';

export class UnsupportedExpression extends Error {
  override name = 'UnsupportedExpression';
}

/** What ARM reports when a template function fails at deployment time, e.g. int() of a non-number. */
export class DeploymentExpressionError extends Error {
  override name = 'DeploymentExpressionError';
}

type Node =
  | { kind: 'literal'; value: unknown }
  | { kind: 'call'; name: string; args: Node[] }
  | { kind: 'property'; target: Node; name: string }
  | { kind: 'index'; target: Node; index: Node };

function parse(text: string): Node {
  let i = 0;
  const skip = () => {
    while (text[i] === ' ') i++;
  };
  const expect = (char: string) => {
    skip();
    if (text[i] !== char) throw new UnsupportedExpression(`expected "${char}" at ${i} in ${text}`);
    i++;
  };
  const primary = (): Node => {
    skip();
    if (text[i] === "'") {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) throw new UnsupportedExpression(`unterminated string in ${text}`);
        if (text[i] === "'" && text[i + 1] === "'") {
          value += "'";
          i += 2;
        } else if (text[i] === "'") {
          i++;
          break;
        } else value += text[i++];
      }
      return { kind: 'literal', value };
    }
    const number = /^-?\d+/.exec(text.slice(i));
    if (number) {
      i += number[0].length;
      return { kind: 'literal', value: Number(number[0]) };
    }
    const name = /^[A-Za-z_][\w.]*/.exec(text.slice(i))?.[0];
    if (!name) throw new UnsupportedExpression(`unexpected "${text[i]}" at ${i} in ${text}`);
    i += name.length;
    // true and false, bare or as the functions true() and false().
    if (name === 'true' || name === 'false') {
      skip();
      if (text.startsWith('()', i)) i += 2;
      return { kind: 'literal', value: name === 'true' };
    }
    expect('(');
    const args: Node[] = [];
    skip();
    if (text[i] === ')') i++;
    else {
      for (;;) {
        args.push(expression());
        skip();
        if (text[i] === ',') i++;
        else break;
      }
      expect(')');
    }
    return { kind: 'call', name, args };
  };
  const expression = (): Node => {
    let node = primary();
    for (;;) {
      skip();
      if (text[i] === '.') {
        i++;
        const name = /^\w+/.exec(text.slice(i))?.[0];
        if (!name) throw new UnsupportedExpression(`bad property access at ${i} in ${text}`);
        i += name.length;
        node = { kind: 'property', target: node, name };
      } else if (text[i] === '[') {
        i++;
        const index = expression();
        expect(']');
        node = { kind: 'index', target: node, index };
      } else return node;
    }
  };
  const node = expression();
  skip();
  if (i !== text.length) throw new UnsupportedExpression(`trailing text at ${i} in ${text}`);
  return node;
}

const parsed = new Map<string, Node>();

export class ArmEvaluator {
  private readonly variableCache = new Map<string, unknown>();
  /** copyIndex() values of the loops being evaluated, by loop name ('' for a resource's own loop). */
  private readonly copyIndexes = new Map<string, number>();

  /**
   * @param parameterValues values given for the template's parameters (others take their defaults)
   * @param parent for a module: its parent's evaluator and the raw parameters the parent passes it
   */
  constructor(
    private readonly template: ArmTemplate,
    private readonly parameterValues: Record<string, unknown> = {},
    private readonly parent?: { evaluator: ArmEvaluator; parameters: Record<string, unknown> },
  ) {}

  /** A template value: an expression string "[...]", a plain value, or an object/array holding them. */
  value(value: unknown): unknown {
    if (typeof value === 'string') {
      if (value.startsWith('[[')) return value.slice(1);
      if (!value.startsWith('[') || !value.endsWith(']')) return value;
      const text = value.slice(1, -1);
      let node = parsed.get(text);
      if (!node) parsed.set(text, (node = parse(text)));
      return this.evaluate(node);
    }
    if (Array.isArray(value)) return value.map((v) => this.value(v));
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.value(v)]));
    return value;
  }

  private parameter(name: string): unknown {
    if (name in this.parameterValues) return this.parameterValues[name];
    if (this.parent && name in this.parent.parameters) {
      // A module parameter is { value } or an expression that evaluates to one (Bicep's if(cond, createObject('value', ...), ...)).
      const raw = this.parent.parameters[name];
      const given =
        typeof raw === 'string'
          ? this.parent.evaluator.value(raw)
          : raw && typeof raw === 'object' && 'value' in raw
            ? { value: this.parent.evaluator.value(raw.value) }
            : raw;
      return (given as { value: unknown }).value;
    }
    const definition = this.template.parameters?.[name];
    if (!definition) throw new UnsupportedExpression(`no parameter ${name}`);
    if (!('defaultValue' in definition)) throw new UnsupportedExpression(`parameter ${name} has no default and no value`);
    return this.value(definition.defaultValue);
  }

  private variable(name: string): unknown {
    if (!this.variableCache.has(name)) {
      const variables = this.template.variables ?? {};
      // A `for` variable compiles to a copy loop: { copy: [{ name, count, input }] }.
      const loop = ((variables.copy ?? []) as { name: string; count: unknown; input: unknown }[]).find((c) => c.name === name);
      if (loop)
        this.variableCache.set(
          name,
          this.loop(name, Number(this.value(loop.count)), () => this.value(loop.input)),
        );
      else if (name in variables) this.variableCache.set(name, this.value(variables[name]));
      else throw new UnsupportedExpression(`no variable ${name}`);
    }
    return this.variableCache.get(name);
  }

  private loop<T>(name: string, count: number, body: () => T): T[] {
    const results: T[] = [];
    for (let i = 0; i < count; i++) {
      this.copyIndexes.set(name, i);
      results.push(body());
    }
    this.copyIndexes.delete(name);
    return results;
  }

  /**
   * What `pick` selects from a resource (its properties by default), evaluated for each instance: one, or one per
   * iteration of its copy loop. Pick only what a test needs: other values may need Azure.
   */
  instances(resource: object, pick: (raw: any) => unknown = (r) => r.properties): unknown[] {
    const one = () => this.value(pick(resource));
    const copy = (resource as { copy?: { count: unknown } }).copy;
    return copy ? this.loop('', Number(this.value(copy.count)), one) : [one()];
  }

  private evaluate(node: Node): unknown {
    switch (node.kind) {
      case 'literal':
        return node.value;
      case 'property': {
        const target = this.evaluate(node.target) as Record<string, unknown>;
        if (!target || typeof target !== 'object' || !(node.name in target)) throw new UnsupportedExpression(`no property ${node.name}`);
        return target[node.name];
      }
      case 'index': {
        const target = this.evaluate(node.target) as Record<string | number, unknown>;
        return target[this.evaluate(node.index) as string | number];
      }
      case 'call':
        return this.call(node.name, node.args);
    }
  }

  private call(name: string, args: Node[]): unknown {
    // if() evaluates only the branch it returns, as ARM does: the other branch may fail on purpose.
    if (name === 'if') return this.evaluate(args[0]) ? this.evaluate(args[1]) : this.evaluate(args[2]);
    const values = args.map((a) => this.evaluate(a));
    const numbers = values as number[];
    switch (name) {
      case 'parameters':
        return this.parameter(String(values[0]));
      case 'variables':
        return this.variable(String(values[0]));
      case 'add':
        return numbers[0] + numbers[1];
      case 'sub':
        return numbers[0] - numbers[1];
      case 'mul':
        return numbers[0] * numbers[1];
      case 'div':
        if (numbers[1] === 0) throw new DeploymentExpressionError('div: division by zero');
        return Math.trunc(numbers[0] / numbers[1]);
      case 'mod':
        return numbers[0] % numbers[1];
      case 'min':
        return Math.min(...numbers);
      case 'max':
        return Math.max(...numbers);
      case 'equals':
        return values[0] === values[1];
      case 'greater':
        return numbers[0] > numbers[1];
      case 'greaterOrEquals':
        return numbers[0] >= numbers[1];
      case 'less':
        return numbers[0] < numbers[1];
      case 'lessOrEquals':
        return numbers[0] <= numbers[1];
      case 'not':
        return !values[0];
      case 'and':
        return values.every(Boolean);
      case 'or':
        return values.some(Boolean);
      case 'empty':
        return values[0] === '' || values[0] == null || (typeof values[0] === 'object' && Object.keys(values[0]).length === 0);
      case 'string':
        return typeof values[0] === 'string' ? values[0] : JSON.stringify(values[0]);
      case 'int': {
        const text = String(values[0]).trim();
        if (!/^-?\d+$/.test(text)) throw new DeploymentExpressionError(`int: '${text}' is not an integer`);
        return Number(text);
      }
      // Stand-ins for the deployment's subscription, so that resource names (uniqueString of it) can be computed.
      case 'subscription':
        return {
          id: '/subscriptions/00000000-0000-0000-0000-000000000000',
          subscriptionId: '00000000-0000-0000-0000-000000000000',
          tenantId: '00000000-0000-0000-0000-0000000000aa',
        };
      case 'uniqueString':
        return createHash('sha256').update(values.map(String).join('|')).digest('hex').slice(0, 13);
      case 'toLower':
        return String(values[0]).toLowerCase();
      case 'copyIndex': {
        const index = this.copyIndexes.get(values.length ? String(values[0]) : '');
        if (index === undefined) throw new UnsupportedExpression('copyIndex() outside a loop');
        return index;
      }
      case 'createArray':
        return values;
      case 'null':
        return null;
      case 'json':
        return JSON.parse(String(values[0]));
      case 'createObject': {
        const object: Record<string, unknown> = {};
        for (let i = 0; i < values.length; i += 2) object[String(values[i])] = values[i + 1];
        return object;
      }
      case 'environment':
        // The public cloud, which is what docs/deploying.md's deployments target.
        return { name: 'AzureCloud', suffixes: { storage: 'core.windows.net', keyvaultDns: '.vault.azure.net' } };
      case 'length':
        return Array.isArray(values[0]) || typeof values[0] === 'string'
          ? (values[0] as unknown[]).length
          : Object.keys(values[0] as object).length;
      case 'format':
        return String(values[0]).replace(/\{(\d+)\}/g, (_, i: string) => String(values[Number(i) + 1]));
      case 'concat':
        return values.every(Array.isArray) ? values.flat() : values.join('');
      default:
        throw new UnsupportedExpression(`${name}() needs Azure or is not modelled here`);
    }
  }
}

/** An evaluator for a module's template: its parameters are what its parents pass, evaluated up to the root. */
export function evaluatorFor(deployment: Deployment, rootParameters: Record<string, unknown> = {}): ArmEvaluator {
  if (!deployment.parent) return new ArmEvaluator(deployment.template, rootParameters);
  const parentEvaluator = evaluatorFor(deployment.parent, rootParameters);
  const resource = (
    Array.isArray(deployment.parent.template.resources)
      ? deployment.parent.template.resources.find((r) => r.name === deployment.symbol)
      : deployment.parent.template.resources[deployment.symbol]
  )!;
  return new ArmEvaluator(
    deployment.template,
    {},
    { evaluator: parentEvaluator, parameters: (resource.properties?.parameters ?? {}) as Record<string, unknown> },
  );
}
