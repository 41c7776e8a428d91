// The app's settings for answering calls with the assistant against the local chat-completions stand-in, as the
// harness's apps run it: the stand-in's settings as `npm start` makes them, the sentinel API key, a table of its own.
import type { RunningStandIn } from '../devhost/chatCompletionsStandIn';
import { assistantStandInSettings } from '../devhost/services';
import { SENTINEL_SURFACE_SECRETS } from './secrets';

export function assistantWithStandIn(model: RunningStandIn, table: string): Record<string, string> {
  return {
    VOICE_MODE: 'assistant',
    ...assistantStandInSettings({}, model.url),
    AZURE_OPENAI_API_KEY: SENTINEL_SURFACE_SECRETS.AZURE_OPENAI_API_KEY,
    ASSISTANT_TABLE: table,
  };
}
