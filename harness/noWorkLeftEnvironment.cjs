// The test environment of every test file: Node's, plus a check when the file ends. Work a test leaves running (a
// client retrying, a server listening, a timer, a child process) runs after Jest has torn the file down, where it
// fails in ways nobody sees ("import after the Jest environment has been torn down") or holds the worker open. So
// when the file's own teardown is over, whatever keeps the event loop alive beyond what the worker itself held at
// the start must be gone within a short grace (sockets finish closing); if not, the file fails, naming it.
const { TestEnvironment } = require('jest-environment-node');

const GRACE_MS = 5000;

function counts(resources) {
  const byType = new Map();
  for (const type of resources) byType.set(type, (byType.get(type) ?? 0) + 1);
  return byType;
}

function leftOver(baseline) {
  const left = [];
  for (const [type, count] of counts(process.getActiveResourcesInfo()))
    if (count > (baseline.get(type) ?? 0)) left.push(`${count - (baseline.get(type) ?? 0)} ${type}`);
  return left;
}

class NoWorkLeftEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    this.testPath = context.testPath;
  }

  async setup() {
    await super.setup();
    this.baseline = counts(process.getActiveResourcesInfo());
  }

  async teardown() {
    const deadline = Date.now() + GRACE_MS;
    let left = leftOver(this.baseline);
    while (left.length && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20).unref());
      left = leftOver(this.baseline);
    }
    await super.teardown();
    if (left.length)
      throw new Error(
        `Work still running ${GRACE_MS} ms after the last test of this file ended: ${left.join(', ')}. ` +
          'Stop it in afterAll/afterEach (close servers and clients, clear timers, await what was started); ' +
          '`npx jest --detectOpenHandles <file>` shows where each was created.',
      );
  }
}

module.exports = NoWorkLeftEnvironment;
