/** iperf3 through a participant: a one-shot server on the target port, the client on the public port. */
import { join } from 'node:path';
import { run, startProcess, waitForListen } from '../procs.js';

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
  const server = startProcess('iperf3', ['-s', '-1', '-B', '127.0.0.1', '-p', String(o.targetPort)], join(o.logDir, 'iperf3-server.log'));
  try {
    await waitForListen(o.targetPort);
    // A listener that is not this iperf3 (it exited: port taken) would make the test run through the wrong door.
    if (server.child.exitCode !== null) throw new Error(`iperf3 server exited at once (${server.child.exitCode}); port ${o.targetPort} taken?`);
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
