// Child process for the assistant's figures: the local chat-completions stand-in, answering at once, in a process of
// its own so that its CPU is not the app's and it answers while the parent waits on other children. Prints its URL.
import { startChatCompletionsStandIn } from '../devhost/chatCompletionsStandIn';

startChatCompletionsStandIn()
  .then((standIn) => process.stdout.write(`${standIn.url}\n`))
  .catch((error) => {
    console.error(error);
    process.exit(1);
  });
