import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type net from 'node:net';
import { createNatTopology, cleanStaleNamespaces, skipUnlessNetns, DialError, run, type NatTopology } from './index.js';

const skip = skipUnlessNetns();
let topo: NatTopology;

before(async () => {
  if (!skip) topo = await createNatTopology();
});
after(async () => {
  await topo?.destroy();
});

function echo(s: net.Socket): void {
  s.pipe(s);
}

async function roundTrip(s: net.Socket, text: string): Promise<string> {
  s.end(text);
  let got = '';
  for await (const c of s) got += String(c);
  return got;
}

test('home reaches cloud, and cloud sees the router\'s address (masquerade)', { skip, timeout: 20_000 }, async () => {
  let seen = '';
  const l = await topo.listen('cloud', 0, (s, info) => {
    seen = info.remote;
    echo(s);
  });
  try {
    const s = await topo.dial('home', topo.addr.cloud, l.port);
    assert.equal(await roundTrip(s, 'ping from home'), 'ping from home');
    assert.equal(seen.split(':')[0], topo.addr.routerCloud, 'the connection must arrive from the router, not from home\'s own address');
  } finally {
    await l.close();
  }
});

test('cloud cannot open a connection to any of home\'s or the router\'s addresses', { skip, timeout: 30_000 }, async () => {
  const l = await topo.listen('home', 0, echo);
  try {
    // The service is really there: home itself reaches it.
    const local = await topo.dial('home', topo.addr.home, l.port);
    assert.equal(await roundTrip(local, 'x'), 'x');
    const targets = [topo.addr.home, topo.addr.routerHome, topo.addr.routerCloud];
    await Promise.all(targets.map((target) =>
      assert.rejects(topo.dial('cloud', target, l.port, { timeoutMs: 1500 }), (err: unknown) => {
        assert.ok(err instanceof DialError, String(err));
        // Dropped silently by the router: a timeout, not even a refusal that would reveal a host.
        assert.equal(err.code, 'ETIMEDOUT', `cloud → ${target}:${l.port} must time out, got ${err.code}`);
        return true;
      }),
    ));
  } finally {
    await l.close();
  }
});

test('only the router forwards', { skip, timeout: 10_000 }, async () => {
  for (const place of ['home', 'router', 'cloud'] as const) {
    const r = await topo.exec(place, 'sysctl', ['-n', 'net.ipv4.ip_forward']);
    assert.equal(r.stdout.trim(), place === 'router' ? '1' : '0', place);
  }
});

test('stale namespaces of dead test processes are removed, live ones kept', { skip, timeout: 10_000 }, async () => {
  const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
  const staleName = `adit-${dead}-1-home`;
  await run('ip', ['netns', 'add', staleName]);
  const removed = await cleanStaleNamespaces();
  const list = (await run('ip', ['netns', 'list'])).stdout;
  assert.ok(removed.includes(staleName));
  assert.ok(!list.includes(staleName));
  assert.ok(list.includes(topo.ns.home), 'our own live topology must survive the cleanup');
});
