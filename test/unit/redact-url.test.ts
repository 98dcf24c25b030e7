// URL redaction: userinfo and every query (and fragment) value go, scheme, host, port, path and
// query keys stay, spelled as given; URLs inside free text are found and redacted the same way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redactUrl, redactUrlsInText, safeUrl } from '../../src/observability/redact-url.js';

test('redactUrl: userinfo and query values replaced, the rest kept as given', () => {
  const cases: Array<[string, string]> = [
    ['http://alice:PASS@127.0.0.1:9/sse?api_key=K', 'http://[redacted]@127.0.0.1:9/sse?api_key=[redacted]'],
    ['http://alice@host/sse', 'http://[redacted]@host/sse'],
    ['http://:PASS@host', 'http://[redacted]@host'],
    // The last `@` of the authority ends the userinfo (an unencoded `@` in a password).
    ['https://u:p@ss@host:8443/a/b', 'https://[redacted]@host:8443/a/b'],
    ['http://host/sse?a=1&b=two&c=', 'http://host/sse?a=[redacted]&b=[redacted]&c='],
    ['http://host/sse?sk-123abc', 'http://host/sse?[redacted]'],
    ['http://host/sse?a=1&&flag', 'http://host/sse?a=[redacted]&&[redacted]'],
    ['http://host/sse?', 'http://host/sse?'],
    ['http://host/cb#access_token=T', 'http://host/cb#[redacted]'],
    ['http://host/cb?x=1#frag', 'http://host/cb?x=[redacted]#[redacted]'],
    // A `@` or `?` after the path starts is not userinfo.
    ['http://host/a@b?k=v', 'http://host/a@b?k=[redacted]'],
    ['redis://:hunter2@redis:6379/0', 'redis://[redacted]@redis:6379/0'],
    ['rediss://user:pw@redis:6380?db=2', 'rediss://[redacted]@redis:6380?db=[redacted]'],
    // Nothing to hide: unchanged, not normalized.
    ['http://127.0.0.1:8080/mcp', 'http://127.0.0.1:8080/mcp'],
    ['HTTP://Host:80', 'HTTP://Host:80'],
    ['stdio: node server.js', 'stdio: node server.js'],
    ['', ''],
  ];
  for (const [input, want] of cases) assert.equal(redactUrl(input), want, input);
  assert.equal(redactUrl(new URL('http://alice:PASS@127.0.0.1:9/sse?api_key=K')), 'http://[redacted]@127.0.0.1:9/sse?api_key=[redacted]');
});

test('redactUrlsInText: every URL in a sentence or a JSON line, nothing else touched', () => {
  assert.equal(
    redactUrlsInText('cannot reach http://a:PASS@h/sse?k=K (GET http://h/x): refused'),
    'cannot reach http://[redacted]@h/sse?k=[redacted] (GET http://h/x): refused',
  );
  const line = JSON.stringify({ msg: 'listening', backends: ['http://alice:PASS@127.0.0.1:9/sse?api_key=K'], note: 'say "http://h/?q=K"\n' });
  const out = redactUrlsInText(line);
  assert.ok(!out.includes('PASS') && !out.includes('=K'), out);
  assert.deepEqual(JSON.parse(out), {
    msg: 'listening',
    backends: ['http://[redacted]@127.0.0.1:9/sse?api_key=[redacted]'],
    note: 'say "http://h/?q=[redacted]"\n',
  });
  assert.equal(redactUrlsInText('no url here: a=b?c=d'), 'no url here: a=b?c=d');
});

test('safeUrl: origin and path, never userinfo or query', () => {
  assert.equal(safeUrl('http://alice:PASS@127.0.0.1:9/sse?api_key=K'), 'http://127.0.0.1:9/sse?…');
  assert.equal(safeUrl('not a url'), '[invalid url]');
});
