// The HTTP/1.1 answer parser of the POST pool: every framing, answers split at every byte, and the
// malformed answers it must refuse rather than guess.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ResponseParser, ResponseParseError, MAX_HEAD_BYTES, type ParsedHead } from '../../src/backends/lean-http/response-parser.js';

interface Parsed {
  heads: ParsedHead[];
  body: string;
  ends: boolean[];
}

function parser(): { p: ResponseParser; out: Parsed } {
  const out: Parsed = { heads: [], body: '', ends: [] };
  const chunks: Buffer[] = [];
  const p = new ResponseParser({
    head: (h) => out.heads.push(h),
    body: (c) => {
      chunks.push(Buffer.from(c));
      out.body = Buffer.concat(chunks).toString('utf8');
    },
    end: (extra) => out.ends.push(extra),
  });
  return { p, out };
}

/** Parses `raw` fed in pieces of `size` bytes (every split point of the answer is exercised). */
function parse(raw: string, size: number, close = false): Parsed {
  const { p, out } = parser();
  const bytes = Buffer.from(raw, 'utf8');
  for (let i = 0; i < bytes.length; i += size) p.push(bytes.subarray(i, i + size));
  if (close) p.close();
  return out;
}

const CASES: { name: string; raw: string; close?: boolean; status: number; body: string; reusable: boolean }[] = [
  { name: '202 with Content-Length', raw: 'HTTP/1.1 202 Accepted\r\nContent-Length: 8\r\n\r\nAccepted', status: 202, body: 'Accepted', reusable: true },
  {
    name: 'chunked, with an extension and trailers',
    raw: 'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n5;x=1\r\n{"a":\r\n5\r\n"é"}\r\n0\r\nx-trailer: 1\r\n\r\n',
    status: 200,
    body: '{"a":"é"}',
    reusable: true,
  },
  { name: '204 without a body', raw: 'HTTP/1.1 204 No Content\r\n\r\n', status: 204, body: '', reusable: true },
  {
    name: '100 Continue before the answer',
    raw: 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n',
    status: 202,
    body: '',
    reusable: true,
  },
  { name: 'Connection: close', raw: 'HTTP/1.1 202 Accepted\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok', status: 202, body: 'ok', reusable: false },
  { name: 'HTTP/1.0 without keep-alive', raw: 'HTTP/1.0 202 Accepted\r\nContent-Length: 2\r\n\r\nok', status: 202, body: 'ok', reusable: false },
  {
    name: 'no length: the body ends with the connection',
    raw: 'HTTP/1.1 500 Oops\r\n\r\nbroken backend',
    close: true,
    status: 500,
    body: 'broken backend',
    reusable: false,
  },
  {
    name: 'both Transfer-Encoding and Content-Length: chunked wins, never reused',
    raw: 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n',
    status: 200,
    body: 'hi',
    reusable: false,
  },
];

for (const c of CASES) {
  test(`response parser: ${c.name}, fed whole and byte by byte`, () => {
    for (const size of [1, 3, 7, 1 << 20]) {
      const out = parse(c.raw, size, c.close);
      assert.equal(out.heads.length, 1, `one head (pieces of ${size})`);
      assert.equal(out.heads[0]!.status, c.status);
      assert.equal(out.heads[0]!.reusable, c.reusable);
      assert.equal(out.body, c.body);
      assert.deepEqual(out.ends, [false], `one end, nothing after it (pieces of ${size})`);
    }
  });
}

test('response parser: header names are lower-cased and repeated fields joined', () => {
  const out = parse('HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer a\r\nwww-authenticate: Basic b\r\nContent-Length: 0\r\n\r\n', 1 << 20);
  assert.equal(out.heads[0]!.headers['www-authenticate'], 'Bearer a, Basic b');
});

test('response parser: bytes after a complete answer are reported, so the socket is not reused', () => {
  const out = parse('HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n', 1 << 20);
  assert.deepEqual(out.ends, [true]);
});

test('response parser: malformed answers are refused, not guessed', () => {
  const bad = [
    'SSH-2.0-OpenSSH\r\n\r\n',
    'HTTP/2 200\r\n\r\n',
    'HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\n',
    'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n',
    'HTTP/1.1 200 OK\r\nBad Header : x\r\n\r\n',
    'HTTP/1.1 200 OK\r\n folded\r\n\r\n',
    'HTTP/1.1 101 Switching Protocols\r\n\r\n',
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhiXX',
  ];
  for (const raw of bad) assert.throws(() => parse(raw, 1 << 20), ResponseParseError, JSON.stringify(raw));
});

test('response parser: a head that never ends is refused at MAX_HEAD_BYTES, without waiting for the rest', () => {
  const { p } = parser();
  p.push(Buffer.from('HTTP/1.1 200 OK\r\n'));
  assert.throws(() => {
    for (let i = 0; i < 100; i++) p.push(Buffer.from(`x-filler-${i}: ${'a'.repeat(1000)}\r\n`));
  }, /head is over/);
  assert.ok(MAX_HEAD_BYTES < 100 * 1000);
});

test('response parser: a connection that ends before the answer is complete is an error', () => {
  for (const raw of ['HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab', 'HTTP/1.1 20']) {
    const { p } = parser();
    p.push(Buffer.from(raw));
    assert.throws(() => p.close(), ResponseParseError, raw);
  }
});

test('response parser: a control character in a header value or the reason phrase is refused; header names are only names', () => {
  assert.throws(() => parse('HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer\0x\r\nContent-Length: 0\r\n\r\n', 1 << 20), /control character/);
  assert.throws(() => parse('HTTP/1.1 200 O\x01K\r\nContent-Length: 0\r\n\r\n', 1 << 20), ResponseParseError);
  const out = parse('HTTP/1.1 202 Accepted\r\nConstructor: x\r\n__proto__: y\r\nContent-Length: 0\r\n\r\n', 1 << 20);
  assert.equal(out.heads[0]!.headers.constructor, 'x');
  assert.equal(out.heads[0]!.headers.__proto__, 'y');
});
