// Azure SDK failures are recognised by the SDK's own type guard, from the errors the real SDKs throw over real HTTP,
// and nothing else is taken for one: a look-alike object with a statusCode is not an Azure answer.
import { createServer, type Server } from 'node:http';
import { AzureNamedKeyCredential, TableClient } from '@azure/data-tables';
import { RestError } from '@azure/core-rest-pipeline';
import { QueueClient, StorageSharedKeyCredential } from '@azure/storage-queue';
import { asRestError, azureStatusOf } from '../../../shared/platform/azureErrors';
import { AZURITE_ACCOUNT, AZURITE_KEY } from '../../../devhost/services';

/** The storage service's answer to every request, as the next test sets it. */
let answer: { status: number; contentType: string; body: string; errorCode: string };
let server: Server;
let baseUrl: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    request.resume();
    response.writeHead(answer.status, { 'content-type': answer.contentType, 'x-ms-error-code': answer.errorCode }).end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/${AZURITE_ACCOUNT}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const thrown = async (operation: () => Promise<unknown>): Promise<unknown> => {
  try {
    await operation();
  } catch (error) {
    return error;
  }
  throw new Error('the operation did not fail');
};

test('a missing table entity is a 404, read from the error the Tables SDK throws', async () => {
  answer = {
    status: 404,
    contentType: 'application/json',
    errorCode: 'ResourceNotFound',
    body: JSON.stringify({ 'odata.error': { code: 'ResourceNotFound', message: { lang: 'en-US', value: 'Not found.' } } }),
  };
  const table = new TableClient(baseUrl, 'ledger', new AzureNamedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY), {
    allowInsecureConnection: true,
    retryOptions: { maxRetries: 0 },
  });
  const error = await thrown(() => table.getEntity('key', ''));
  expect(await azureStatusOf(error)).toBe(404);
  expect(await asRestError(error)).toBe(error);
});

test('a queue the identity may not create is a 403, read from the error the Queue SDK throws', async () => {
  answer = {
    status: 403,
    contentType: 'application/xml',
    errorCode: 'AuthorizationPermissionMismatch',
    body: '<?xml version="1.0" encoding="utf-8"?><Error><Code>AuthorizationPermissionMismatch</Code><Message>No.</Message></Error>',
  };
  const queue = new QueueClient(`${baseUrl}/outbound`, new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY), {
    retryOptions: { maxTries: 1 },
  });
  expect(await azureStatusOf(await thrown(() => queue.create()))).toBe(403);
});

test('a request that got no answer is an Azure failure without a status', async () => {
  const error = new RestError('connect ECONNREFUSED 127.0.0.1:10002', { code: RestError.REQUEST_SEND_ERROR });
  expect(await asRestError(error)).toBe(error);
  expect(await azureStatusOf(error)).toBeUndefined();
});

test('anything else is not an Azure failure, whatever fields it has', async () => {
  for (const other of [{ statusCode: 404 }, Object.assign(new Error('look-alike'), { statusCode: 409 }), 'text', undefined, null]) {
    expect(await asRestError(other)).toBeUndefined();
    expect(await azureStatusOf(other)).toBeUndefined();
  }
});
