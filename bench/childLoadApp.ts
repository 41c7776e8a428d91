// Child process for the cold-start benchmark: load the built app through the local host's registration
// capture (devhost/core) and exit once every function is registered.
import { FunctionRegistry } from '../devhost/core';

const registry = new FunctionRegistry(() => undefined);
registry.install();
require(process.env.BENCH_APP_MAIN!);
if (registry.functions.length === 0) throw new Error('the app registered no functions');
