/**
 * Test certificates made with the openssl binary at test time: a CA, and leaf
 * certificates it signs with exactly the DNS names given. EC P-256, valid one day.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export interface KeyPair {
  cert: string;
  key: string;
}

async function openssl(args: string[]): Promise<void> {
  await exec('openssl', args, { timeout: 10_000 });
}

export async function makeCa(dir: string, name: string): Promise<KeyPair> {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  await openssl([
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', key, '-out', cert, '-days', '1', '-subj', `/CN=${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return { cert, key };
}

/** A leaf whose subjectAltName is exactly `dnsNames` (CN = name), for server and client auth. */
export async function issue(dir: string, ca: KeyPair, name: string, dnsNames: string[]): Promise<KeyPair> {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  writeFileSync(
    ext,
    [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature',
      'extendedKeyUsage=serverAuth,clientAuth',
      `subjectAltName=${dnsNames.map((n) => `DNS:${n}`).join(',')}`,
      '',
    ].join('\n'),
  );
  await openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', csr, '-subj', `/CN=${name}`]);
  await openssl(['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-out', cert, '-days', '1', '-extfile', ext]);
  return { cert, key };
}
