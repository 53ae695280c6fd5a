// A throwaway certificate for localhost and 127.0.0.1, made by openssl for the
// tests and the bench that speak TLS to a fake provider. Trusted by naming it
// in NODE_EXTRA_CA_CERTS of a process, or in this one through
// `tls.setDefaultCACertificates` (Node 22.19 and later).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SelfSigned {
  key: string;
  cert: string;
  /** The certificate's file, for NODE_EXTRA_CA_CERTS. */
  certFile: string;
}

let made: SelfSigned | undefined;

export function selfSignedTls(): SelfSigned {
  if (made) return made;
  const dir = mkdtempSync(join(tmpdir(), 'llm-gateway-tls-'));
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
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
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '2',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  made = { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8'), certFile };
  return made;
}
