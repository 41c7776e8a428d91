/**
 * Polls `probe` every 100 ms until it returns something other than undefined or false, and returns that.
 * On timeout the error carries `context()` (e.g. the host's output or what was seen so far).
 */
export async function waitFor<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  options: { timeoutMs?: number; context?: () => string } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out.\n${options.context?.() ?? ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
