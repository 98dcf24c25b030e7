// The head of a request to a backend: one header per name whatever the case of the configured ones
// (the last value wins, as node:http's setHeader did), a configured Host honoured, framing headers the
// renderer's own, invalid names and values refused, obs-text sent as latin1 bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeRequest, lowerCaseNames, renderHead } from '../../src/backends/lean-http/request-head.js';

const URL_ = new URL('http://127.0.0.1:9000/messages?sessionId=abc');

test('request head: configured headers in any case merge with the caller’s, the caller’s winning; each is sent once', () => {
  const configured = { Authorization: 'Bearer STATIC', 'Content-Type': 'text/plain', 'X-Team': 'a' };
  const head = renderHead('POST', URL_, { ...lowerCaseNames(configured), 'content-type': 'application/json', authorization: 'Bearer CLIENT' }, 2);
  const lines = head.split('\r\n').map((l) => l.toLowerCase());
  assert.equal(lines.filter((l) => l.startsWith('authorization:')).length, 1);
  assert.ok(head.includes('authorization: Bearer CLIENT') && !head.includes('STATIC'));
  assert.equal(lines.filter((l) => l.startsWith('content-type:')).length, 1);
  assert.ok(head.startsWith('POST /messages?sessionId=abc HTTP/1.1\r\nHost: 127.0.0.1:9000\r\n'));
  assert.ok(head.includes('Content-Length: 2\r\n'));
});

test('request head: a configured Host is the Host sent; framing headers of the caller are dropped', () => {
  const head = renderHead(
    'GET',
    URL_,
    lowerCaseNames({ Host: 'mcp.internal', 'Content-Length': '99', 'Transfer-Encoding': 'chunked', Connection: 'close' }),
    undefined,
  );
  assert.ok(head.includes('\r\nHost: mcp.internal\r\n'));
  assert.equal((head.match(/^host:/gim) ?? []).length, 1);
  assert.ok(!/content-length|transfer-encoding|connection: close/i.test(head));
});

test('request head: names must be tokens and values free of control characters (no header injection)', () => {
  const bad: Record<string, string>[] = [
    { 'x-a b': 'v' },
    { 'x-a:b': 'v' },
    { 'x-a\nb': 'v' },
    { authorization: 'Bearer x\r\nX-Evil: 1' },
    { 'x-v': 'a\0b' },
    { 'x-v': 'a\x01b' },
  ];
  for (const headers of bad) {
    assert.throws(() => renderHead('POST', URL_, headers, 0), TypeError, JSON.stringify(headers));
  }
});

test('request head: obs-text in a value goes out as latin1 bytes (as node:http sends it); an ASCII head stays one string', () => {
  const ascii = encodeRequest(`${renderHead('POST', URL_, { 'x-v': 'plain' }, 4)}\r\n`, 'é{}');
  assert.equal(typeof ascii, 'string');
  const latin = encodeRequest(`${renderHead('POST', URL_, { 'x-v': 'caf\xe9' }, 4)}\r\n`, 'é{}') as Buffer;
  assert.ok(Buffer.isBuffer(latin));
  assert.ok(latin.includes(Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0d, 0x0a])), 'the header value is one latin1 byte per character');
  assert.ok(latin.subarray(latin.length - 4).equals(Buffer.from('é{}', 'utf8')), 'the body is UTF-8');
});
