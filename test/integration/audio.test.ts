// The audio function through the local host: files of the private AUDIO_CONTAINER in Azurite, served to Twilio's
// <Play> with cache headers; nothing else in the account is reachable, and a storage outage is a 503.
import { BlobServiceClient } from '@azure/storage-blob';
import { freePort, MOCK_TWILIO_CREDENTIALS, startAzurite, azuriteConnectionString, type RunningAzurite } from '../../devhost/services';
import { startHost, type RunningHost } from '../../harness/localHost';

let azurite: RunningAzurite;
let host: RunningHost;
const HOLD_MUSIC = Buffer.from('ID3 not really an mp3, but bytes all the same');

beforeAll(async () => {
  azurite = await startAzurite();
  const service = BlobServiceClient.fromConnectionString(azurite.connectionString);
  const audio = service.getContainerClient('audiotest');
  await audio.createIfNotExists();
  await audio.getBlockBlobClient('hold.mp3').uploadData(HOLD_MUSIC);
  const other = service.getContainerClient('private');
  await other.createIfNotExists();
  await other.getBlockBlobClient('secret.mp3').uploadData(Buffer.from('not for callers'));
  host = await startHost({ AzureWebJobsStorage: azurite.connectionString, ...MOCK_TWILIO_CREDENTIALS, AUDIO_CONTAINER: 'audiotest' });
}, 60_000);

afterAll(async () => {
  await host?.stop();
  await azurite?.stop();
});

test('serves a file of the audio container with its type and cache headers', async () => {
  const response = await fetch(`${host.baseUrl}/api/audio/hold.mp3`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('audio/mpeg');
  expect(response.headers.get('cache-control')).toMatch(/^public, max-age=\d+/);
  expect(response.headers.get('etag')).toBeTruthy();
  expect(response.headers.get('last-modified')).toBeTruthy();
  expect(Buffer.from(await response.arrayBuffer())).toEqual(HOLD_MUSIC);
});

test('a revalidation with the ETag gets 304 and no body', async () => {
  const etag = (await fetch(`${host.baseUrl}/api/audio/hold.mp3`)).headers.get('etag')!;
  const response = await fetch(`${host.baseUrl}/api/audio/hold.mp3`, { headers: { 'If-None-Match': etag } });
  expect(response.status).toBe(304);
  expect((await response.arrayBuffer()).byteLength).toBe(0);
});

test('a missing file, another container or a name that is not an audio file is a 404', async () => {
  for (const path of ['nothing.mp3', 'secret.mp3', '..%2Fprivate%2Fsecret.mp3', 'hold.mp3.txt', 'hold']) {
    const response = await fetch(`${host.baseUrl}/api/audio/${path}`);
    expect({ path, status: response.status }).toEqual({ path, status: 404 });
  }
});

test('storage that cannot be reached is a 503 with a reason, not a 500', async () => {
  const dead = await freePort();
  const offline = await startHost({
    AzureWebJobsStorage: azuriteConnectionString(dead, dead, dead),
    ...MOCK_TWILIO_CREDENTIALS,
    AUDIO_CONTAINER: 'audiotest',
  });
  try {
    const response = await fetch(`${offline.baseUrl}/api/audio/hold.mp3`);
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('30');
    expect(await response.text()).toBe('The audio container cannot be read right now.\n');
  } finally {
    await offline.stop();
  }
}, 60_000);
