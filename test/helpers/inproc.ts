/** In-process server and client for tests that need to reach inside (TLS files, proxies, injected clocks). */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { pino } from 'pino';
import { AditClient, type ClientOptions } from '../../src/client/client.js';
import { parseUpstreams } from '../../src/client/upstream.js';
import { AditServer } from '../../src/server/server.js';
import type { ServerOptions } from '../../src/server/options.js';
import { PortSet } from '../../src/server/port-set.js';
import { TokenSet } from '../../src/server/tokens.js';

export const silent = pino({ level: 'silent' });

export function makeServer(token: string, o: Partial<ServerOptions> = {}): AditServer {
  const tokens = new TokenSet();
  tokens.add(token);
  return new AditServer({
    controlAddr: '127.0.0.1', controlPort: 0, controlPath: '/tunnel', dataAddr: '127.0.0.1', httpPort: 0,
    allowPorts: PortSet.parse('1024-65535'), tokens, adminAddr: '127.0.0.1', adminPort: 0,
    drainTimeout: 1000, keepaliveInterval: 5000, keepaliveTimeout: 15000, logger: silent, ...o,
  });
}

export function makeClient(url: string, token: string, upstreams: string[], o: Partial<ClientOptions> = {}): AditClient {
  return new AditClient({
    url, token, id: 'inproc', upstreams: parseUpstreams(upstreams), strictForwarding: true, insecure: false,
    dialTimeout: 2000, keepaliveInterval: 5000, keepaliveTimeout: 15000, backoffMin: 50, backoffMax: 200, logger: silent, ...o,
  });
}

export function connected(client: AditClient, timeoutMs = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('client did not connect in time')), timeoutMs);
    client.once('connected', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

/** A self-signed certificate for DNS:localhost, made with openssl. */
export function selfSigned(dir: string, name: string): { cert: string; key: string } {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', `/CN=${name}`, '-addext', 'subjectAltName=DNS:localhost'], { stdio: 'ignore' });
  return { cert, key };
}
