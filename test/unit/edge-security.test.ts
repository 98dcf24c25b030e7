// Host and Origin policy, trusted proxies and forwarded headers: the pure parts of the edge.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { checkHost, checkOrigin } from '../../src/http/host-origin.js';
import { createTrustedPeer } from '../../src/http/trusted-proxies.js';
import { createPublicAddress, validPrefix } from '../../src/http/forwarded.js';
import { sessionIdOf } from '../../src/http/session-id.js';

test('checkHost: loopback names on a loopback bind, the allow-list when set, anything otherwise', () => {
  const loop = { loopback: true, allowedHosts: [], allowedOrigins: [] };
  assert.equal(checkHost('127.0.0.1:8080', loop), undefined);
  assert.equal(checkHost('[::1]:8080', loop), undefined);
  assert.equal(checkHost('localhost', loop), undefined);
  assert.equal(checkHost('evil.example.com', loop)?.code, 'ERR_HOST_REJECTED');
  assert.equal(checkHost(undefined, loop)?.status, 403);
  assert.equal(checkHost('proxy.internal:8080', { loopback: false, allowedHosts: [], allowedOrigins: [] }), undefined);
  const pinned = { loopback: false, allowedHosts: ['mcp.example.com'], allowedOrigins: [] };
  assert.equal(checkHost('mcp.example.com:443', pinned), undefined);
  assert.equal(checkHost('attacker.example.com', pinned)?.status, 403);
});

test('checkOrigin: own origins only, never "same as Host" (DNS rebinding)', () => {
  const loop = { loopback: true, allowedHosts: [], allowedOrigins: [] };
  assert.equal(checkOrigin(undefined, loop), undefined, 'CLI clients send no Origin');
  assert.equal(checkOrigin('http://localhost:6274', loop), undefined);
  assert.equal(checkOrigin('http://127.0.0.1:5173', loop), undefined);
  assert.equal(checkOrigin('http://[::1]:3000', loop), undefined);
  assert.equal(checkOrigin('http://evil.example.com', loop)?.code, 'ERR_ORIGIN_REJECTED');
  assert.equal(checkOrigin('null', loop)?.status, 403);
  assert.equal(checkOrigin('file://', loop)?.status, 403);
  const open = { loopback: false, allowedHosts: [], allowedOrigins: ['https://app.example.com', 'https://mcp.example.com'] };
  assert.equal(checkOrigin('https://app.example.com', open), undefined);
  assert.equal(checkOrigin('https://mcp.example.com:443', open), undefined, 'the default port is the same origin');
  assert.equal(checkOrigin('http://proxy.internal:8080', open)?.status, 403, 'an origin equal to the Host is not enough');
  assert.equal(checkOrigin('http://localhost:6274', open)?.status, 403, 'loopback pages count only on a loopback bind');
  assert.equal(checkOrigin('https://other.example.com', { ...open, allowedOrigins: ['*'] }), undefined);
});

test('trusted peers: loopback, addresses and CIDR blocks, v4-mapped v6', () => {
  const loopback = createTrustedPeer(['loopback']);
  assert.ok(loopback('127.0.0.1') && loopback('127.8.9.10') && loopback('::1') && loopback('::ffff:127.0.0.1'));
  assert.ok(!loopback('10.0.0.1') && !loopback(undefined));
  const nets = createTrustedPeer(['10.0.0.0/8', '192.168.1.7', 'fd00::/8']);
  assert.ok(nets('10.200.3.4') && nets('::ffff:10.1.1.1') && nets('192.168.1.7') && nets('fd12::1'));
  assert.ok(!nets('11.0.0.1') && !nets('192.168.1.8') && !nets('fe80::1') && !nets('127.0.0.1'));
  const none = createTrustedPeer([]);
  assert.ok(!none('127.0.0.1'));
});

test('validPrefix: a plain path or nothing', () => {
  assert.equal(validPrefix('/base'), '/base');
  assert.equal(validPrefix('/a/b-c/d_e/'), '/a/b-c/d_e');
  assert.equal(validPrefix(''), '');
  for (const bad of ['//evil.example', 'http://evil.example/x', 'base', '/a/../b', '/..', '/./x', '/%2e%2e/x', '/a\\b', '/a//b', '/a b', '/a?x=1', '/a#x']) {
    assert.equal(validPrefix(bad), undefined, bad);
  }
});

function fakeRequest(remoteAddress: string, headers: Record<string, string>): IncomingMessage {
  return { socket: { remoteAddress }, headers } as unknown as IncomingMessage;
}

test('public address: forwarded headers believed from trusted peers only', () => {
  const address = createPublicAddress({
    publicUrl: undefined,
    listenHost: '127.0.0.1',
    listenPort: 8080,
    trusted: createTrustedPeer(['loopback', '10.0.0.0/8']),
  });
  const fromIngress = fakeRequest('10.0.0.5', {
    host: 'pod:8080',
    'x-forwarded-prefix': '/tools',
    'x-forwarded-proto': 'https',
    'x-forwarded-host': 'mcp.example.com',
    'x-forwarded-for': '203.0.113.9, 10.0.0.9',
  });
  assert.equal(address.prefix(fromIngress), '/tools');
  assert.equal(address.base(fromIngress), 'https://mcp.example.com/tools');
  assert.equal(address.client(fromIngress), '203.0.113.9');
  const spoofed = fakeRequest('203.0.113.50', { host: 'pod:8080', 'x-forwarded-prefix': '/tools', 'x-forwarded-for': '1.2.3.4' });
  assert.equal(address.prefix(spoofed), '');
  assert.equal(address.base(spoofed), 'http://pod:8080');
  assert.equal(address.client(spoofed), '203.0.113.50');
  const evil = fakeRequest('127.0.0.1', { host: 'localhost:8080', 'x-forwarded-prefix': '//evil.example', 'x-forwarded-host': 'evil/x' });
  assert.equal(address.prefix(evil), '');
  assert.equal(address.base(evil), 'http://localhost:8080');
  const pinned = createPublicAddress({ publicUrl: 'https://mcp.example.com/base/', listenHost: '0.0.0.0', listenPort: 8080, trusted: createTrustedPeer([]) });
  assert.equal(pinned.base(fakeRequest('127.0.0.1', { host: 'x', 'x-forwarded-prefix': '/other' })), 'https://mcp.example.com/base');
});

test('sessionIdOf: the header on /mcp, the query on /messages; never throws on odd paths', () => {
  const req = (url: string, headers: Record<string, string | string[]> = {}) => ({ url, headers }) as unknown as IncomingMessage;
  assert.equal(sessionIdOf(req('/mcp', { 'mcp-session-id': 'a' })), 'a');
  assert.equal(sessionIdOf(req('/mcp', { 'mcp-session-id': ['a', 'b'] })), 'a');
  assert.equal(sessionIdOf(req('/messages?sessionId=s1'), 'messages'), 's1');
  assert.equal(sessionIdOf(req('/messages/?session_id=s2'), 'messages'), 's2');
  assert.equal(sessionIdOf(req('//0$&@+l=~g;t$:j?x=1'), 'messages'), undefined);
  assert.equal(sessionIdOf(req('//evil:bad@?sessionId=z'), 'messages'), 'z');
});
