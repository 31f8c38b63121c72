/** A throwaway nginx on a loopback port serving one small static page (the HTTP target). */
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, startProcess, waitForPort, type Spawned } from '../procs.js';

const NGINX = existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx';

export async function startNginx(workDir: string): Promise<{ port: number; proc: Spawned }> {
  const dir = join(workDir, 'nginx');
  const www = join(dir, 'www');
  mkdirSync(join(dir, 'logs'), { recursive: true });
  mkdirSync(www, { recursive: true });
  // About the size of a small API response or nginx's own welcome page.
  writeFileSync(join(www, 'index.html'), `<!doctype html><title>adit bench</title><p>${'x'.repeat(560)}</p>\n`);
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  const asRoot = process.getuid?.() === 0;
  writeFileSync(
    conf,
    `${asRoot ? 'user root;\n' : ''}daemon off;
# One process, no master: nothing is left behind if the harness dies and SIGKILLs it.
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  keepalive_timeout 120s;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  default_type text/html;
  server {
    listen 127.0.0.1:${port} backlog=4096;
    server_name _;
    location / { root ${www}; }
  }
}
`,
  );
  const proc = startProcess(NGINX, ['-p', dir, '-c', conf, '-e', `${dir}/logs/error.log`], join(dir, 'stdout.log'));
  await waitForPort(port, 10_000, 'nginx');
  return { port, proc };
}
