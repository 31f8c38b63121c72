import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

/** CAP_NET_ADMIN is bit 12 of the capability sets in /proc/self/status. */
const CAP_NET_ADMIN = 12n;

export type Support = { ok: true } | { ok: false; reason: string };

let cached: Support | undefined;

/**
 * Whether this process can build network namespaces: root, CAP_NET_ADMIN,
 * and the iproute2 / iptables tools. Tests call this and skip with `reason`.
 */
export function netnsSupport(): Support {
  cached ??= probe();
  return cached;
}

function probe(): Support {
  if (process.platform !== 'linux') return { ok: false, reason: 'network namespaces need Linux' };
  if (process.getuid?.() !== 0) return { ok: false, reason: 'network namespace tests need root (uid 0)' };
  let capEff: bigint;
  try {
    const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    capEff = m ? BigInt('0x' + m[1]) : 0n;
  } catch {
    return { ok: false, reason: 'cannot read /proc/self/status to check CAP_NET_ADMIN' };
  }
  if (((capEff >> CAP_NET_ADMIN) & 1n) === 0n) return { ok: false, reason: 'network namespace tests need CAP_NET_ADMIN' };
  for (const tool of ['ip', 'iptables', 'tc']) {
    const r = spawnSync(tool, ['-V'], { stdio: 'ignore' });
    if (r.error) return { ok: false, reason: `network namespace tests need '${tool}' (apt-get install iproute2 iptables)` };
  }
  return { ok: true };
}

/**
 * The `skip` option for node:test. In CI the tools are installed by .ci/run and
 * we run as root, so a missing tool there is a failure, not a skip.
 */
export function skipUnlessNetns(): string | false {
  const s = netnsSupport();
  if (s.ok) return false;
  if (process.env.CI && process.getuid?.() === 0) throw new Error(`netns tests cannot run in CI: ${s.reason}`);
  return `skipped: ${s.reason}`;
}
