/**
 * Faults on the router, between home and cloud. This kernel has no netem, so
 * loss comes from iptables' `statistic` match, bandwidth from a tbf qdisc, and
 * delay from the delaying relay (delay-relay.ts) placed in the path by the test.
 */
import { mustInNetns, runInNetns } from './exec.js';
import type { NatTopology } from './topology.js';

const PARTITION_RULES = (t: NatTopology): string[][] => [
  ['FORWARD', '-i', t.iface.routerCloud, '-j', 'DROP'],
  ['FORWARD', '-o', t.iface.routerCloud, '-j', 'DROP'],
];

/** Silently drops every packet crossing router ↔ cloud, both ways (no RST, no ICMP): a real partition. */
export async function partition(t: NatTopology): Promise<void> {
  for (const [chain, ...rule] of PARTITION_RULES(t)) await mustInNetns(t.ns.router, 'iptables', ['-I', chain!, '1', ...rule]);
}

export async function heal(t: NatTopology): Promise<void> {
  for (const [chain, ...rule] of PARTITION_RULES(t)) {
    // Delete every copy, in case partition() ran twice.
    while ((await runInNetns(t.ns.router, 'iptables', ['-D', chain!, ...rule])).code === 0) { /* again */ }
  }
}

/** Drops `percent` % of forwarded packets at random, in both directions. */
export async function setLoss(t: NatTopology, percent: number): Promise<void> {
  await clearLoss(t);
  if (percent <= 0) return;
  await mustInNetns(t.ns.router, 'iptables', ['-I', 'FORWARD', '1', '-m', 'statistic', '--mode', 'random', '--probability', String(percent / 100), '-j', 'DROP']);
}

export async function clearLoss(t: NatTopology): Promise<void> {
  const list = await mustInNetns(t.ns.router, 'iptables', ['-S', 'FORWARD']);
  for (const line of list.split('\n')) {
    if (!line.includes('statistic')) continue;
    await mustInNetns(t.ns.router, 'iptables', ['-D', ...line.replace(/^-A /, '').split(' ')]);
  }
}

/** Limits the router's egress on both links to `mbit` Mbit/s with a token bucket. */
export async function setRate(t: NatTopology, mbit: number): Promise<void> {
  for (const dev of [t.iface.routerCloud, t.iface.routerHome]) {
    await mustInNetns(t.ns.router, 'tc', ['qdisc', 'replace', 'dev', dev, 'root', 'tbf', 'rate', `${mbit}mbit`, 'burst', '64kb', 'latency', '50ms']);
  }
}

export async function clearRate(t: NatTopology): Promise<void> {
  for (const dev of [t.iface.routerCloud, t.iface.routerHome]) await runInNetns(t.ns.router, 'tc', ['qdisc', 'del', 'dev', dev, 'root']);
}

/** Packet counters of the router's FORWARD rules, to show a fault really acted (e.g. how many packets the loss rule dropped). */
export async function forwardCounters(t: NatTopology): Promise<string> {
  return mustInNetns(t.ns.router, 'iptables', ['-L', 'FORWARD', '-v', '-n', '-x']);
}
