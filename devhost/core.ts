// The local host's stand-in for `@azure/functions-core`, the module the Azure Functions Node worker gives
// the app. @azure/functions registers functions and runs invocations through it; outside the worker it
// silently registers nothing. Installing this module lets the real @azure/functions code run unchanged:
// registration metadata, argument conversion (HttpRequest, triggerMetadata) and response conversion.
import { pathToFileURL } from 'node:url';
import Module from 'node:module';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface RpcTypedData {
  string?: string | null;
  json?: string | null;
  bytes?: Uint8Array | null;
  int?: number | null;
  http?: RpcHttpData | null;
}

export interface RpcHttpData {
  method?: string | null;
  url?: string | null;
  headers?: Record<string, string> | null;
  body?: RpcTypedData | null;
  params?: Record<string, string> | null;
  query?: Record<string, string> | null;
  statusCode?: string | null;
}

export interface BindingInfo {
  type: string;
  direction: 'in' | 'out';
  route?: string;
  methods?: string[];
  authLevel?: string;
  queueName?: string;
  connection?: string;
  [key: string]: unknown;
}

export interface FunctionMetadata {
  name: string;
  bindings: Record<string, BindingInfo>;
  [key: string]: unknown;
}

type FunctionCallback = (...args: unknown[]) => unknown;

export interface RegisteredFunction {
  metadata: FunctionMetadata;
  callback: FunctionCallback;
  triggerName: string;
  trigger: BindingInfo;
}

interface InvocationModel {
  getArguments(): Promise<{ context: unknown; inputs: unknown[] }>;
  invokeFunction(context: unknown, inputs: unknown[], handler: FunctionCallback): Promise<unknown>;
  getResponse(context: unknown, result: unknown): Promise<{ returnValue?: RpcTypedData | null; outputData?: RpcParameterBinding[] }>;
}

interface RpcParameterBinding {
  name?: string | null;
  data?: RpcTypedData | null;
}

interface ProgrammingModel {
  name: string;
  version: string;
  getInvocationModel(coreContext: unknown): InvocationModel;
}

export type LogLevel = 'trace' | 'debug' | 'information' | 'warning' | 'error' | 'critical' | 'none';
export type LogSink = (functionName: string, level: LogLevel, category: string, message: string) => void;

export class FunctionRegistry {
  readonly functions: RegisteredFunction[] = [];
  #programmingModel: ProgrammingModel | undefined;

  constructor(private readonly logSink: LogSink) {}

  /** The object the app receives from `require('@azure/functions-core')`. */
  readonly coreApi = {
    version: '3.10.1',
    registerFunction: (metadata: FunctionMetadata, callback: FunctionCallback) => {
      const triggerEntry = Object.entries(metadata.bindings).find(([, b]) => b.type.endsWith('Trigger'));
      if (!triggerEntry) throw new Error(`Function "${metadata.name}" has no trigger binding`);
      if (this.functions.some((f) => f.metadata.name === metadata.name)) {
        throw new Error(`A function with the name "${metadata.name}" has already been registered.`);
      }
      this.functions.push({ metadata, callback, triggerName: triggerEntry[0], trigger: triggerEntry[1] });
      return {
        dispose: () =>
          this.functions.splice(
            this.functions.findIndex((f) => f.metadata === metadata),
            1,
          ),
      };
    },
    registerHook: () => ({ dispose: () => undefined }),
    setProgrammingModel: (model: ProgrammingModel) => {
      this.#programmingModel = model;
    },
    getProgrammingModel: () => this.#programmingModel,
    log: (level: LogLevel, category: string, message: string) => this.logSink('host', level, category, message),
  };

  /** Makes `require('@azure/functions-core')` resolve to this registry's API, as the worker does. */
  install(): void {
    const id = '@azure/functions-core';
    const moduleInternals = Module as unknown as {
      _resolveFilename: (request: string, ...rest: unknown[]) => string;
      _cache: Record<string, unknown>;
    };
    const resolve = moduleInternals._resolveFilename;
    moduleInternals._resolveFilename = function (request: string, ...rest: unknown[]) {
      return request === id ? id : resolve.call(this, request, ...rest);
    };
    const coreModule = new Module(id);
    coreModule.exports = this.coreApi;
    coreModule.loaded = true;
    moduleInternals._cache[id] = coreModule;
  }

  /**
   * Runs one invocation the way the worker does: through the library's own InvocationModel. `incomingTraceparent`:
   * an HTTP request's traceparent header, whose trace the invocation continues (as ASP.NET Core's request activity
   * does in the real host); otherwise each invocation starts a trace of its own, as a queue trigger does there.
   */
  async invoke(
    fn: RegisteredFunction,
    triggerData: RpcTypedData,
    triggerMetadata: Record<string, RpcTypedData>,
    incomingTraceparent?: string,
  ): Promise<RpcTypedData | null | undefined> {
    if (!this.#programmingModel) throw new Error('The app did not set a programming model (is @azure/functions loaded?)');
    const invocationId = randomUUID();
    const name = fn.metadata.name;
    const traceContext = { traceParent: invocationTraceparent(incomingTraceparent), traceState: '', attributes: {} };
    const model = this.#programmingModel.getInvocationModel({
      invocationId,
      metadata: fn.metadata,
      request: { invocationId, functionId: name, inputData: [{ name: fn.triggerName, data: triggerData }], triggerMetadata, traceContext },
      state: undefined,
      log: (level: LogLevel, category: string, message: string) => this.logSink(name, level, category, message),
    });
    const { context, inputs } = await model.getArguments();
    const result = await model.invokeFunction(context, inputs, fn.callback);
    const response = await model.getResponse(context, result);
    await this.#writeOutputs(fn, response.outputData ?? []);
    return response.returnValue;
  }

  /**
   * Where queue output bindings write (the local host sets it); without it an invocation that has a queue output
   * fails, as the real host's would without storage.
   */
  queueOutputs: QueueOutputWriter | undefined;

  /**
   * The invocation's output bindings, written as the real host writes them: after the function returned and before
   * the HTTP answer is sent (the host binds outputs inside the invocation, WorkerFunctionInvoker.InvokeCore, and the
   * HTTP answer is written once the invocation completes, FunctionInvocationMiddleware). A write that fails fails
   * the invocation, and the HTTP server answers 500 (ExceptionMiddleware).
   */
  async #writeOutputs(fn: RegisteredFunction, outputs: RpcParameterBinding[]): Promise<void> {
    for (const { name, data } of outputs) {
      const binding = fn.metadata.bindings[name ?? ''];
      if (!binding || !data) continue;
      if (binding.type !== 'queue')
        throw new Error(`Function "${fn.metadata.name}": the local host does not write ${binding.type} output bindings`);
      if (!this.queueOutputs) throw new Error(`Function "${fn.metadata.name}": no storage for its queue output ${name}`);
      const queueName = resolveAppSetting(String(binding.queueName));
      for (const message of queueMessages(data))
        await this.queueOutputs(String(binding.connection ?? 'AzureWebJobsStorage'), queueName, message);
    }
  }
}

/** Sends one message to a queue of a connection, creating the queue when it is missing. */
export type QueueOutputWriter = (connection: string, queueName: string, message: string) => Promise<void>;

/** The host's `%NAME%` binding expressions: an app setting's value, and an error when it is not set. */
function resolveAppSetting(expression: string): string {
  return expression.replace(/%(\w+)%/g, (_, name: string) => {
    const value = process.env[name];
    if (!value) throw new Error(`'%${name}%' does not resolve to a value.`);
    return value;
  });
}

/** A queue output's value as messages: a string is one; a JSON array is one per element, as the host's collector adds them. */
function queueMessages(data: RpcTypedData): string[] {
  if (typeof data.string === 'string') return [data.string];
  if (typeof data.json === 'string') {
    const value: unknown = JSON.parse(data.json);
    const items = Array.isArray(value) ? value : [value];
    return items.map((item) => (typeof item === 'string' ? item : JSON.stringify(item)));
  }
  if (data.bytes) return [Buffer.from(data.bytes).toString('utf8')];
  throw new Error('A queue output binding was given a value the host cannot write');
}

const TRACEPARENT = /^00-((?!0{32})[0-9a-f]{32})-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/;

/** The invocation's own W3C traceparent (RpcTraceContext.traceParent): the incoming trace continued, or a new one. */
export function invocationTraceparent(incoming?: string): string {
  const traceId = TRACEPARENT.exec(incoming?.trim() ?? '')?.[1] ?? randomBytes(16).toString('hex');
  return `00-${traceId}-${randomBytes(8).toString('hex')}-01`;
}

/** The host's log format: `[function] level: message`, information without a level. */
export function lineLogSink(log: (line: string) => void): LogSink {
  return (functionName, level, _category, message) => log(`[${functionName}] ${level === 'information' ? '' : `${level}: `}${message}`);
}

// A real import(), which the bundler would otherwise turn into require() (the worker uses eval for the same reason).
const importModule = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;

/**
 * Loads the app named by `appRoot`'s package.json "main" with @azure/functions-core provided, and returns what it
 * registered. The local host, `devhost functions` and the benchmarks' child processes all load the app this way.
 * An ES module (.mjs, or "type": "module") is imported and anything else required, as the Node worker does.
 */
export async function loadApp(appRoot: string, log: (line: string) => void = (line) => console.log(line)): Promise<FunctionRegistry> {
  const registry = new FunctionRegistry(lineLogSink(log));
  registry.install();
  const { main, type } = JSON.parse(readFileSync(join(appRoot, 'package.json'), 'utf8')) as { main: string; type?: string };
  const file = resolve(appRoot, main);
  if (file.endsWith('.mjs') || (type === 'module' && !file.endsWith('.cjs'))) await importModule(pathToFileURL(file).href);
  else require(file);
  return registry;
}
