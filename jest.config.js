/** @type {import('jest').Config} */
module.exports = {
  // Node's, failing a file that leaves work running after its last test (harness/noWorkLeftEnvironment.cjs).
  testEnvironment: '<rootDir>/harness/noWorkLeftEnvironment.cjs',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } } }] },
  testTimeout: 60_000,
  maxWorkers: 2,
  // A run shows each file's result and every failure, not the console output of code under test: tests assert on
  // the warnings they expect. `npx jest --silent=false <file>` shows that output while debugging one file.
  silent: true,
};
