// Failures of the Azure SDKs (storage, tables, Key Vault), told apart with the SDKs' own type guard. The pipeline
// package is loaded here only once an SDK call has failed, when the SDK that threw has loaded it already.
import type { RestError } from '@azure/core-rest-pipeline';

// Kept after the first failure: a 404 is an everyday answer (every opt-out check of a number that never opted
// out), and each import() would resolve the package's path again.
let restPipeline: Promise<typeof import('@azure/core-rest-pipeline')> | undefined;

/** The Azure SDK's RestError (an HTTP answer, or a request that got none), or undefined for anything else. */
export async function asRestError(error: unknown): Promise<RestError | undefined> {
  const { isRestError } = await (restPipeline ??= import('@azure/core-rest-pipeline'));
  return isRestError(error) ? error : undefined;
}

/** The HTTP status of an Azure SDK failure; undefined when it is not one or got no answer. */
export async function azureStatusOf(error: unknown): Promise<number | undefined> {
  return (await asRestError(error))?.statusCode;
}
