// The assistant's figures: a turn's own cost against a voice webhook (the chat-completions stand-in answers at once,
// so the model's latency is out) and its cold start, the first /api/assistant answer of a fresh process against
// bare Node and against the first /api/voice.
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { assistantStandInSettings, startAzurite } from '../devhost/services';
import { median, pairedRatio, timeProcessRuns } from '../harness/stats';

async function startStandIn(root: string): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, [join(root, 'build', 'bench-chat-stand-in.js')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [url] = (await createInterface({ input: child.stdout })[Symbol.asyncIterator]().next()).value?.split(' ') ?? [];
  if (!url?.startsWith('http')) throw new Error('the chat-completions stand-in did not start');
  return { url, stop: () => child.kill() };
}

export async function assistantBench(root: string, appEnv: NodeJS.ProcessEnv, quick: boolean) {
  const [azurite, standIn] = await Promise.all([startAzurite(), startStandIn(root)]);
  try {
    const env = {
      ...appEnv,
      ...assistantStandInSettings({}, standIn.url),
      VOICE_MODE: 'assistant',
      // The stand-in's key is a local setting, which the app accepts only in Development.
      AZURE_FUNCTIONS_ENVIRONMENT: 'Development',
      AzureWebJobsStorage: azurite.connectionString,
    };
    // BENCH_ASSISTANT_CPU_PROF=<dir>: a `node --cpu-prof` profile of the turns' process, for where a turn's CPU goes.
    const profile = process.env.BENCH_ASSISTANT_CPU_PROF;
    const profileArgs = profile ? ['--cpu-prof', '--cpu-prof-dir', profile] : [];
    const result = spawnSync(process.execPath, [...profileArgs, join(root, 'build', 'bench-assistant-turn.js')], {
      env: { ...env, BENCH_ROUNDS: quick ? '5' : '15', BENCH_PER_ROUND: quick ? '40' : '100' },
      encoding: 'utf8',
    });
    if (result.status !== 0) throw new Error(`assistant turn bench failed: ${result.stderr}${result.stdout}`);
    const turn = JSON.parse(result.stdout.trim().split('\n').pop()!) as Record<string, unknown>;

    const runs = quick ? 5 : 21;
    const first = join(root, 'build', 'bench-first.js');
    const samples = timeProcessRuns(
      [
        { name: 'bare', args: ['-e', '0'] },
        { name: 'voice', args: [first], env: { ...appEnv, BENCH_FUNCTION: 'voice' } },
        { name: 'assistant', args: [first], env: { ...env, BENCH_FUNCTION: 'assistant', BENCH_SPEECH: 'What are your opening hours?' } },
      ],
      runs,
    );
    const toBare = pairedRatio(samples.assistant, samples.bare);
    return {
      turn: { ...turn, goal: 3 },
      coldStart: {
        node: process.version,
        runs,
        bareNodeMs: median(samples.bare),
        firstVoiceMs: median(samples.voice),
        firstAssistantMs: median(samples.assistant),
        assistantToBare: toBare.ratio,
        assistantToBareRange: toBare.range,
        assistantToVoice: pairedRatio(samples.assistant, samples.voice).ratio,
      },
    };
  } finally {
    standIn.stop();
    await azurite.stop();
  }
}
