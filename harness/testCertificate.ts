// A throwaway self-signed TLS certificate for loopback HTTPS fakes, made with the openssl CLI at test time
// (Node can make keys but not certificates). Trust it through a client's `ca` option or NODE_EXTRA_CA_CERTS.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCertificate {
  key: string;
  cert: string;
  /** PEM file of the certificate, for NODE_EXTRA_CA_CERTS. */
  certPath: string;
  remove(): void;
}

export function createTestCertificate(hostnames: string[]): TestCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'test-cert-'));
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-keyout',
        keyPath,
        '-out',
        certPath,
        '-subj',
        `/CN=${hostnames[0]}`,
        '-addext',
        `subjectAltName=${hostnames.map((h) => `DNS:${h}`).join(',')}`,
      ],
      { stdio: 'pipe' },
    );
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`Could not make a test certificate with openssl (is it installed?): ${(error as Error).message}`, { cause: error });
  }
  return {
    key: readFileSync(keyPath, 'utf8'),
    cert: readFileSync(certPath, 'utf8'),
    certPath,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
