/** iperf3 through a participant: a one-shot server on the target port, the client on the public port. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { run, startProcess, waitForListen } from '../procs.js';

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-3).join(' / ');
  } catch {
    return '';
  }
}

export interface IperfOptions {
  targetPort: number;
  publicPort: number;
  seconds: number;
  reverse?: boolean;
  parallel?: number;
  logDir: string;
}

/** Returns the receiver-side throughput in bits per second. */
export async function runIperf(o: IperfOptions): Promise<number> {
  // -1: the server handles exactly one test and exits, so a broken run never leaves it busy.
  const log = join(o.logDir, 'iperf3-server.log');
  const server = startProcess('iperf3', ['-s', '-1', '-B', '127.0.0.1', '-p', String(o.targetPort)], log);
  try {
    // An iperf3 that exits at once (port taken) must fail the measurement, with its reason, not run it through another listener.
    const gone = server.exited.then((code) => {
      throw new Error(`iperf3 server on ${o.targetPort} exited (${code}) before the test: ${tail(log)}`);
    });
    gone.catch(() => undefined);
    await Promise.race([waitForListen(o.targetPort), gone]);
    // Another listener on the port is seen at once; an iperf3 that cannot bind has exited within this.
    await Promise.race([sleep(100), gone]);
    const args = ['-c', '127.0.0.1', '-p', String(o.publicPort), '-t', String(o.seconds), '-J', '--connect-timeout', '5000'];
    if (o.reverse) args.push('-R');
    if (o.parallel && o.parallel > 1) args.push('-P', String(o.parallel));
    const r = await run('iperf3', args, o.seconds * 1000 + 20_000);
    let j: { error?: string; end?: { sum_received?: { bits_per_second?: number } } };
    try {
      j = JSON.parse(r.stdout) as typeof j;
    } catch {
      throw new Error(`iperf3 gave no JSON (exit ${r.code}): ${r.stderr.slice(-300)}`);
    }
    if (j.error) throw new Error(`iperf3: ${j.error}`);
    const bps = j.end?.sum_received?.bits_per_second;
    if (!bps) throw new Error('iperf3 reported no throughput');
    return bps;
  } finally {
    await server.stop();
  }
}
