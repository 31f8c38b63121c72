import { readFileSync, unwatchFile, watchFile, type Stats } from 'node:fs';
import type { Server as TlsServer, SecureContextOptions } from 'node:tls';
import type { Logger } from 'pino';
import type { TlsFiles } from './options.js';

export function readTlsFiles(files: TlsFiles): SecureContextOptions {
  return { cert: readFileSync(files.certFile), key: readFileSync(files.keyFile) };
}

/**
 * Reloads certificate and key when either file changes. Polling (watchFile)
 * because cert-manager and kubelet swap a symlink under the mounted secret,
 * which inotify on the file itself does not see. A pair that fails to load
 * keeps the old one in use and is logged.
 */
export function watchTls(server: TlsServer, files: TlsFiles, log: Logger, onReload?: () => void): () => void {
  const interval = files.reloadInterval ?? 10_000;
  const changed = (cur: Stats, prev: Stats): void => {
    if (cur.mtimeMs === prev.mtimeMs && cur.size === prev.size && cur.ino === prev.ino) return;
    try {
      server.setSecureContext(readTlsFiles(files));
      log.info({ cert: files.certFile }, 'TLS certificate reloaded');
      onReload?.();
    } catch (err) {
      log.error({ cert: files.certFile, err: (err as Error).message }, 'TLS certificate reload failed; keeping the previous one');
    }
  };
  watchFile(files.certFile, { interval, persistent: false }, changed);
  watchFile(files.keyFile, { interval, persistent: false }, changed);
  return () => {
    unwatchFile(files.certFile, changed);
    unwatchFile(files.keyFile, changed);
  };
}
