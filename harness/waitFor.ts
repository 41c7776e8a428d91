/** Polls until `probe` returns something; on timeout the error carries `context()` (e.g. the host's output). */
export async function waitFor<T>(probe: () => T | undefined, options: { timeoutMs?: number; context?: () => string } = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out.\n${options.context?.() ?? ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
