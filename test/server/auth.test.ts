import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseAccessFile } from '../../src/server/access-file.js';
import { claimAllowed, hostMatches, normalizeHost } from '../../src/server/host-match.js';
import { PortSet } from '../../src/server/port-set.js';
import { RouteRegistry } from '../../src/server/registry.js';
import { AuthThrottle } from '../../src/server/throttle.js';
import { TokenSet, bearer, readTokenFile, tokenLabel } from '../../src/server/tokens.js';

const dir = mkdtempSync(join(tmpdir(), 'adit-auth-'));

describe('tokens', () => {
  it('matches any accepted token and nothing else; labels never contain the token', () => {
    const set = new TokenSet();
    set.add('alpha-token');
    set.add('beta-token', { label: 'beta' });
    assert.equal(set.match('alpha-token')?.label, tokenLabel('alpha-token'));
    assert.ok(!tokenLabel('alpha-token').includes('alpha'));
    assert.equal(set.match('beta-token')?.label, 'beta');
    assert.equal(set.match('alpha-toke'), undefined);
    assert.equal(set.match(''), undefined);
  });

  it('reads several tokens from a file (rotation), skipping blanks and comments', () => {
    const f = join(dir, 'tokens');
    writeFileSync(f, '# rotated 2026-11\nold-token\n\n  new-token  \n');
    assert.deepEqual(readTokenFile(f), ['old-token', 'new-token']);
  });

  it('parses Bearer headers strictly', () => {
    assert.equal(bearer('Bearer abc'), 'abc');
    assert.equal(bearer('bearer abc '), 'abc');
    assert.equal(bearer('Basic abc'), undefined);
    assert.equal(bearer(undefined), undefined);
  });
});

describe('access file', () => {
  it('gives each token its port and host limits', () => {
    const f = join(dir, 'access.yaml');
    writeFileSync(f, 'tokens:\n  - name: home\n    token: home-token\n    ports: [6143, "7000-7010"]\n    hosts: ["*.home.example.com"]\n');
    const [e] = parseAccessFile(f);
    assert.equal(e!.name, 'home');
    assert.ok(e!.limits.ports!.has(7005) && !e!.limits.ports!.has(7011) && e!.limits.ports!.has(6143));
    assert.deepEqual(e!.limits.hosts, ['*.home.example.com']);
  });

  it('names the entry and key of a mistake', () => {
    const f = join(dir, 'bad.yaml');
    writeFileSync(f, 'tokens:\n  - token: x\n    portz: [1]\n');
    assert.throws(() => parseAccessFile(f), /tokens\[0\]: unknown key "portz"/);
    writeFileSync(f, 'tokens:\n  - token: x\n    ports: ["99999"]\n');
    assert.throws(() => parseAccessFile(f), /tokens\[0\]: ports: "99999"/);
  });
});

describe('ports and hosts', () => {
  it('port sets', () => {
    const p = PortSet.parse('1024-2048, 6143');
    assert.ok(p.has(1024) && p.has(2048) && p.has(6143) && !p.has(80) && !p.has(2049));
    assert.equal(p.toString(), '1024-2048,6143');
    assert.throws(() => PortSet.parse('10-5'), /low to high/);
  });

  it('host matching', () => {
    assert.equal(normalizeHost('Demo.Example.com:8000'), 'demo.example.com');
    assert.equal(normalizeHost('[::1]:80'), '[::1]');
    assert.ok(hostMatches('*.example.com', 'a.example.com'));
    assert.ok(!hostMatches('*.example.com', 'example.com'));
    assert.ok(claimAllowed(['*.example.com'], 'a.example.com'));
    assert.ok(claimAllowed(['*.example.com'], '*.b.example.com'));
    assert.ok(!claimAllowed(['*.example.com'], '*'));
    assert.ok(!claimAllowed(['a.example.com'], '*.example.com'));
  });
});

describe('auth throttle', () => {
  it('answers the first failure at once, then doubles per address, capped, and forgets after the window', () => {
    let now = 0;
    const t = new AuthThrottle({ base: 100, max: 500, window: 60_000, now: () => now });
    assert.deepEqual([1, 2, 3, 4, 5].map(() => t.failure('1.2.3.4')), [0, 100, 200, 400, 500]);
    assert.equal(t.failure('5.6.7.8'), 0, 'other addresses are not slowed');
    now += 61_000;
    assert.equal(t.failure('1.2.3.4'), 0);
    t.failure('1.2.3.4');
    t.success('1.2.3.4');
    assert.equal(t.failure('1.2.3.4'), 0);
  });

  it('tracks a bounded number of addresses', () => {
    const t = new AuthThrottle({ maxEntries: 10 });
    for (let i = 0; i < 100; i++) t.failure(`10.0.0.${i}`);
    assert.equal(t.tracked, 10);
  });
});

describe('route registry', () => {
  it('same id takes over, another id is refused', () => {
    const r = new RouteRegistry<{ clientId: string }>();
    const a1 = { clientId: 'a' };
    const a2 = { clientId: 'a' };
    const b = { clientId: 'b' };
    assert.deepEqual(r.check('tcp:1', a1), { kind: 'new' });
    r.set('tcp:1', a1);
    assert.deepEqual(r.check('tcp:1', a2), { kind: 'takeover' });
    assert.deepEqual(r.check('tcp:1', b), { kind: 'taken', by: 'a' });
    r.set('tcp:1', a2);
    assert.equal(r.release('tcp:1', a1), false, 'a stale owner cannot release');
    assert.equal(r.release('tcp:1', a2), true);
  });
});
