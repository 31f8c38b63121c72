/**
 * The delaying relay as a process, to run inside a namespace:
 *   node delay-relay-main.js LISTEN_HOST:PORT TARGET_HOST:PORT DELAY_MS
 * Prints {"port":n} once listening; exits when stdin closes (its parent went away).
 */
import { startDelayRelay } from './delay-relay.js';

const [listen, target, delay] = process.argv.slice(2);
if (!listen || !target || !delay) {
  process.stderr.write('usage: delay-relay-main.js LISTEN_HOST:PORT TARGET_HOST:PORT DELAY_MS\n');
  process.exit(2);
}
const split = (hp: string): [string, number] => {
  const i = hp.lastIndexOf(':');
  return [hp.slice(0, i), Number(hp.slice(i + 1))];
};
const [listenHost, listenPort] = split(listen);
const [targetHost, targetPort] = split(target);
const relay = await startDelayRelay({ listenHost, listenPort, targetHost, targetPort, delayMs: Number(delay) });
process.stdout.write(JSON.stringify({ port: relay.port }) + '\n');
process.stdin.on('end', () => process.exit(0)).resume();
