import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseUpstreams, routeName, UpstreamSyntaxError } from '../../src/client/upstream.js';
import { targetKey } from '../../src/client/target.js';

describe('upstream syntax', () => {
  it('parses tcp entries, http hosts, wildcards and a bare default target', () => {
    const ups = parseUpstreams(['tcp:6143=linkerd-gateway:4143,tcp:6191=linkerd-gateway:4191', 'demo.example.com=http://web:80', '*.apps.example.com=https://ingress', 'web:8080']);
    assert.deepEqual(ups.map(routeName), ['tcp:6143', 'tcp:6191', 'http:demo.example.com', 'http:*.apps.example.com', 'http:*']);
    assert.deepEqual(ups[0]!.target, { host: 'linkerd-gateway', port: 4143, tls: false });
    assert.deepEqual(ups[3]!.target, { host: 'ingress', port: 443, tls: true });
    assert.deepEqual(ups[4]!.target, { host: 'web', port: 8080, tls: false });
  });

  it('expands a target port range onto consecutive listen ports (cubed-it form)', () => {
    const ups = parseUpstreams(['tcp:7000=db:8800-8803']);
    assert.deepEqual(ups.map((u) => [routeName(u), u.target.port]), [['tcp:7000', 8800], ['tcp:7001', 8801], ['tcp:7002', 8802], ['tcp:7003', 8803]]);
    assert.deepEqual(parseUpstreams(['tcp:7000-7003=db:8800-8803']), ups);
  });

  it('accepts IPv6 targets and normalises host case', () => {
    const [u] = parseUpstreams(['tcp:6443=[::1]:443']);
    assert.equal(u!.target.host, '::1');
    const [h] = parseUpstreams(['Demo.Example.COM=http://WEB:80']);
    assert.equal(routeName(h!), 'http:demo.example.com');
    assert.equal(targetKey('WEB.', 80), 'web:80');
    assert.equal(targetKey('[::1]', 443), '[::1]:443');
  });

  for (const [spec, why] of [
    ['tcp:6143', /needs a target/],
    ['tcp:70000=h:1', /listen port/],
    ['tcp:7000-7001=h:8800-8805', /differ in length/],
    ['tcp:6143=h', /host:port/],
    ['x=ftp://h', /not http or https/],
    ['bad_host!=http://h', /not a host name/],
    ['h=http://web/path', /path/],
  ] as const) {
    it(`rejects ${spec} with a reason`, () => {
      assert.throws(() => parseUpstreams([spec]), (err: Error) => why.test(err.message) && err.message.includes(spec));
    });
  }

  it('rejects a route declared twice', () => {
    assert.throws(() => parseUpstreams(['tcp:1=a:1', 'tcp:1=b:2']), /declared twice/);
  });
});

describe('upstream syntax, properties', () => {
  const host = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}(\.[a-z][a-z0-9-]{0,8}){0,3}$/).filter((h) => !h.endsWith('-') && !/-\./.test(h));

  it('a tcp range maps listen port i to target port i, however it is written', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 60000 }), fc.integer({ min: 1, max: 60000 }), fc.integer({ min: 0, max: 20 }), host, (listen, target, extra, h) => {
      const ups = parseUpstreams([`tcp:${listen}=${h}:${target}-${target + extra}`]);
      assert.equal(ups.length, extra + 1);
      ups.forEach((u, i) => {
        assert.equal(routeName(u), `tcp:${listen + i}`);
        assert.deepEqual(u.target, { host: h, port: target + i, tls: false });
      });
      assert.deepEqual(parseUpstreams([`tcp:${listen}-${listen + extra}=${h}:${target}-${target + extra}`]), ups);
    }));
  });

  it('comma lists and repeated flags mean the same', () => {
    fc.assert(fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 65535 }), { minLength: 1, maxLength: 6 }), host, (ports, h) => {
      const specs = ports.map((p) => `tcp:${p}=${h}:${p}`);
      assert.deepEqual(parseUpstreams([specs.join(',')]), parseUpstreams(specs));
    }));
  });

  it('any input either parses or fails with an UpstreamSyntaxError, never anything else', () => {
    fc.assert(fc.property(fc.string({ maxLength: 60 }), (s) => {
      try {
        parseUpstreams([s]);
      } catch (err) {
        assert.ok(err instanceof UpstreamSyntaxError, String(err));
      }
    }), { numRuns: 2000 });
  });
});
