// Outside the Functions host, @azure/functions switches to test mode: it warns once that it did, and once for each
// registration it skips. Tests that import function modules import this first (before any function module), so
// those two warnings, and only those, are kept here instead of printed; the test asserts on them.
const TEST_MODE_WARNING = /^WARNING: (Failed to detect the Azure Functions runtime|Skipping call to register function "[^"]+")/;

/** The test-mode warnings seen so far, in order. */
export const testModeWarnings: string[] = [];

const printWarning = console.warn.bind(console);
console.warn = (...args: unknown[]) => {
  if (typeof args[0] === 'string' && TEST_MODE_WARNING.test(args[0])) testModeWarnings.push(args[0]);
  else printWarning(...args);
};

/** The names of the functions whose registration test mode skipped. */
export function skippedRegistrations(): string[] {
  return testModeWarnings.flatMap((w) => /register function "([^"]+)"/.exec(w)?.[1] ?? []);
}
