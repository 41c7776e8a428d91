// Child process for the cold-start benchmark: load the built app through the local host's loader and exit
// once every function is registered.
import { loadBuiltApp } from './inProcess';

loadBuiltApp().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
