// The console's I/O against the app's storage, checks and settings; the function-key API's handlers come from the
// function (functions/ are not imported from shared/).
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { listActivity } from '../activity/activityTable';
import { readLedgerRow, listLedgerRows } from '../outbound/ledgerTable';
import { effectiveSettings, SETTINGS } from '../platform/settings';
import { answeringStorageOutages } from '../platform/storageUnavailable';
import { recordingLinkKey } from '../recordings/recordingBlob';
import type { ConsoleIo, InternalHandler } from './consoleAnswer';
import { healthChecks } from './healthIo';
import { internalRequest } from './internalHttp';
import { settingsReport } from './settingsView';

type Handler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;

export function liveConsoleIo(
  request: HttpRequest,
  context: InvocationContext,
  sources: { script: () => Promise<string>; handlers: Record<InternalHandler, () => Promise<Handler>> },
): ConsoleIo {
  return {
    answeringStorageOutages: (work) => answeringStorageOutages(() => work())(request, context),
    script: sources.script,
    listLedgerRows,
    readLedgerRow: (key) => readLedgerRow(key, 'request'),
    listActivity,
    recordingLinkKey,
    healthChecks,
    settingsReport: () => settingsReport(SETTINGS, effectiveSettings()),
    internal: async (name, call) => (await sources.handlers[name]())(internalRequest(request, call), context),
    now: () => new Date(),
  };
}
