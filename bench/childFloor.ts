// Child process for the cold-start floor: what no app can go below. It loads @azure/functions through the local
// host's loader stand-in, as the app does, and registers as many no-op HTTP functions as the app registers.
import { FunctionRegistry } from '../devhost/core';

const registry = new FunctionRegistry(() => undefined);
registry.install();
const { app } = require('@azure/functions') as typeof import('@azure/functions');
const count = Number(process.env.BENCH_FUNCTION_COUNT);
for (let i = 0; i < count; i++) app.http(`noop${i}`, { methods: ['POST'], authLevel: 'anonymous', route: `noop${i}`, handler: () => ({}) });
if (registry.functions.length !== count) throw new Error(`registered ${registry.functions.length} of ${count}`);
