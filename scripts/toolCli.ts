// The one command-line convention of every `npm run` tool and the local host:
// - `--help` (or -h) prints the usage to stdout and exits 0, whatever else is on the line;
// - a usage error prints one line naming the problem, then the usage, to stderr and exits 2;
// - an expected failure (a setting, storage down, Twilio's answer) prints its message and exits 1, or the code the
//   tool gives it; no stack trace, and never a line of the bundled source, which Node prints for an uncaught error.
import { parseArgs } from 'node:util';

/** The command line was wrong: the message names what, in one line. */
export class UsageError extends Error {}

/** A failure the tool explains itself: what to print and the exit code. */
export interface ExplainedFailure {
  message: string;
  exitCode: number;
}

export interface Tool {
  usage: string;
  /** The work, given the arguments after the tool's name; resolves to the exit code. */
  main: (args: string[]) => Promise<number> | number;
  /** A tool's own expected failures (refusals with their own exit code); undefined leaves the error to the default. */
  explain?: (error: unknown) => Promise<ExplainedFailure | undefined> | ExplainedFailure | undefined;
  /** Where output goes and how the process ends (tests). */
  io?: ToolIo;
}

export interface ToolIo {
  out: (text: string) => void;
  err: (text: string) => void;
  exit: (code: number) => void;
}

const processIo: ToolIo = {
  out: (text) => console.log(text),
  err: (text) => console.error(text),
  exit: (code) => process.exit(code),
};

/** The first line of an error's message: the whole of what the user needs for an expected error. */
export function errorLine(error: unknown): string {
  // Not `instanceof Error`: an error from another realm (a VM context, a test runner's sandbox) is one too.
  const { message, name } = (error ?? {}) as { message?: unknown; name?: unknown };
  const text = typeof message === 'string' ? message : String(error);
  return text.trim() || (typeof name === 'string' ? name : 'Failed');
}

export function wantsHelp(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end < 0 ? args : args.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

/** Runs a tool by the convention; resolves once it has called `exit`. */
export async function runTool(tool: Tool, args: string[] = process.argv.slice(2)): Promise<void> {
  const io = tool.io ?? processIo;
  if (wantsHelp(args)) {
    io.out(tool.usage);
    return io.exit(0);
  }
  let code: number;
  try {
    code = await tool.main(args);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`${errorLine(error)}\n\n${tool.usage}`);
      return io.exit(2);
    }
    const explained = await tool.explain?.(error);
    io.err(explained?.message ?? errorLine(error));
    return io.exit(explained?.exitCode ?? 1);
  }
  io.exit(code);
}

type Options = NonNullable<Parameters<typeof parseArgs>[0]>['options'];

/** node:util's parseArgs, with its complaints (unknown option, missing value) as usage errors. */
export function parseToolArgs<O extends Options>(args: string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (error) {
    if ((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) throw new UsageError(errorLine(error).split('\n')[0]);
    throw error;
  }
}
