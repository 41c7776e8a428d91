// Files the build writes beside the app bundle (the browser scripts in dist/): read once, from the first of the
// places it may be (bundled: beside the app; unbundled, as tests load it: dist/). A failed read is not kept, so
// the next request tries again.
import { readFile } from 'node:fs/promises';

/** A reader of the first of `paths` that exists; `missing` is the error when none does. */
export function bundledFile(paths: string[], missing: string): () => Promise<string> {
  let text: Promise<string> | undefined;
  const load = async (): Promise<string> => {
    for (const path of paths) {
      try {
        return await readFile(path, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    throw new Error(missing);
  };
  return () =>
    (text ??= load().catch((error: unknown) => {
      text = undefined;
      throw error;
    }));
}
