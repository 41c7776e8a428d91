// The command-line convention every tool runs by (scripts/toolCli.ts), with its output and exit captured.
import { parseToolArgs, runTool, UsageError, wantsHelp, type Tool } from '../../../scripts/toolCli';

async function run(tool: Omit<Tool, 'usage' | 'io'>, args: string[]) {
  const captured = { out: [] as string[], err: [] as string[], code: -1 };
  await runTool(
    {
      usage: 'Usage:\n  tool [--flag]',
      ...tool,
      io: { out: (t) => captured.out.push(t), err: (t) => captured.err.push(t), exit: (c) => (captured.code = c) },
    },
    args,
  );
  return captured;
}

const flagTool = { main: (args: string[]) => (parseToolArgs(args, { flag: { type: 'boolean' } }).values.flag ? 0 : 3) };

test('--help or -h prints the usage to stdout and exits 0 without running the tool, wherever it is before --', async () => {
  const main = jest.fn(() => 0);
  expect(await run({ main }, ['--flag', '--help'])).toEqual({ out: ['Usage:\n  tool [--flag]'], err: [], code: 0 });
  expect((await run({ main }, ['-h'])).code).toBe(0);
  expect(main).not.toHaveBeenCalled();
  expect(wantsHelp(['--', '--help'])).toBe(false);
});

test("a wrong option is a usage error: parseArgs' one line, a blank line, the usage, on stderr; exit 2", async () => {
  const result = await run(flagTool, ['--flga']);
  expect(result.code).toBe(2);
  expect(result.out).toEqual([]);
  expect(result.err[0].split('\n')).toEqual([expect.stringMatching(/^Unknown option '--flga'/), '', 'Usage:', '  tool [--flag]']);
});

test("the tool's own usage errors read the same; its exit code is kept", async () => {
  const result = await run(
    {
      main: () => {
        throw new UsageError('Give the kind.');
      },
    },
    [],
  );
  expect([result.code, result.err[0].split('\n')[0]]).toEqual([2, 'Give the kind.']);
  expect((await run(flagTool, [])).code).toBe(3);
});

test('an expected failure prints its message only (no stack), exit 1, or what the tool explains it as', async () => {
  const failing = {
    main: () => {
      throw new Error('Setting X is missing');
    },
  };
  expect(await run(failing, [])).toEqual({ out: [], err: ['Setting X is missing'], code: 1 });
  expect(await run({ ...failing, explain: () => ({ message: 'Not enqueued: X', exitCode: 2 }) }, [])).toEqual({
    out: [],
    err: ['Not enqueued: X'],
    code: 2,
  });
});
