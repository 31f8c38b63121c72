/** A throwaway self-signed ECDSA P-256 certificate for localhost / 127.0.0.1 (the TLS participants). */
import { join } from 'node:path';
import { run } from '../procs.js';

export async function selfSignedCert(dir: string): Promise<{ cert: string; key: string }> {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  const r = await run('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
    '-keyout', key, '-out', cert,
  ]);
  if (r.code !== 0) throw new Error(`openssl failed: ${r.stderr}`);
  return { cert, key };
}
