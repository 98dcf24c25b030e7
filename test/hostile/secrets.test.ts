// Secrets in backend URLs (userinfo and query values: how legacy SSE servers take API keys) never
// reach the proxy's stdout or stderr (every log line, at debug level), a client's error body,
// `check`, `print-config` (unless --show-secrets) or `doctor` (text and --json, suggested config
// included). The secrets are distinctive strings, so a plain substring search finds any leak.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../helpers/cluster.js';
import { startFixture, startProxy, stopAll, type RunningProcess } from '../helpers/process.js';
import { connectStreamable, textOf } from '../helpers/clients.js';
import { initializeBody, post } from '../helpers/http.js';
import { runCli } from '../helpers/cli-run.js';

const PASSWORD = 'PASSWORD-7f3a9c';
const KEY = 'KEY-91c2d4e8';
const TOKEN = 'TOKEN-0b5e77';
const SECRETS = [PASSWORD, KEY, TOKEN];
const tmp = mkdtempSync(path.join(tmpdir(), 'frontdoor-secrets-'));

after(async () => {
  await stopAll();
  rmSync(tmp, { recursive: true, force: true });
});

/** `http://127.0.0.1:P/sse` → `http://alice:<PASSWORD>@127.0.0.1:P/sse?api_key=<KEY>&token=<TOKEN>` */
function withSecrets(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//alice:${PASSWORD}@${u.host}${u.pathname}?api_key=${KEY}&token=${TOKEN}`;
}

function assertNoSecret(text: string, where: string): void {
  for (const s of SECRETS) assert.ok(!text.includes(s), `${where} contains ${s}:\n${text}`);
}

/** Stops the process and waits until its pipes are drained, so no line is missed. */
async function stopAndCollect(proc: RunningProcess): Promise<string> {
  const closed = once(proc.child, 'close');
  await proc.stop();
  await closed;
  return `${proc.lines.join('\n')}\n${proc.stderr.join('')}`;
}

test('a backend that is down: the listening line, the error logs and the client error name no secret', async (t) => {
  const url = withSecrets(`http://127.0.0.1:${await freePort()}/sse`);
  const proxy = await startProxy(['--backend', url, '--log-level', 'debug']);
  t.after(() => proxy.stop());
  const listening = await proxy.waitForLine((l) => l.msg === 'listening');
  assert.deepEqual(listening.backends, [url.replace(`alice:${PASSWORD}`, '[redacted]').replace(KEY, '[redacted]').replace(TOKEN, '[redacted]')]);
  const res = await post(proxy.url, initializeBody(1));
  assert.equal(res.status, 502);
  assertNoSecret(await res.text(), 'the error body');
  // The failure is logged at warn level: wait for that line, then stop and collect every line.
  await proxy.waitForLine((l) => l.level !== undefined && Number(l.level) >= 40);
  assertNoSecret(await stopAndCollect(proxy), 'the proxy output');
});

test('a live backend reached with userinfo and an API key: a session and calls, no secret in any line', async (t) => {
  const backend = await startFixture('legacy-sse-server');
  t.after(() => backend.stop());
  const proxy = await startProxy(['--backend', withSecrets(backend.url), '--log-level', 'debug']);
  t.after(() => proxy.stop());
  const client = await connectStreamable(proxy.url);
  t.after(() => client.close());
  assert.equal(textOf(await client.client.callTool({ name: 'echo', arguments: { text: 'through' } })), 'through');
  await client.close();
  const out = await stopAndCollect(proxy);
  assert.ok(out.includes('[redacted]'), 'the listening line shows the redacted URL');
  assertNoSecret(out, 'the proxy output');
});

test('check and print-config redact URL secrets; print-config --show-secrets keeps them', async () => {
  const file = path.join(tmp, 'secrets.yaml');
  writeFileSync(
    file,
    [
      'listen: { port: 0 }',
      `store: "redis://:${PASSWORD}@127.0.0.1:6379"`,
      'routes:',
      `  - backend: { url: "${withSecrets('http://127.0.0.1:9121/sse')}" }`,
      `  - path: /remote`,
      `    backend: { transport: stdio, command: npx, args: [mcp-remote, "https://remote.example/mcp?api_key=${KEY}"] }`,
      '',
    ].join('\n'),
  );
  const check = await runCli(['check', '--config', file]);
  assert.equal(check.code, 0, check.stderr);
  assertNoSecret(check.stdout + check.stderr, 'check');
  assert.match(check.stdout, /http:\/\/\[redacted\]@127\.0\.0\.1:9121\/sse\?api_key=\[redacted\]&token=\[redacted\]/);

  const shown = await runCli(['print-config', '--config', file]);
  assert.equal(shown.code, 0, shown.stderr);
  assertNoSecret(shown.stdout + shown.stderr, 'print-config');
  assert.match(shown.stdout, /url: http:\/\/\[redacted\]@127\.0\.0\.1:9121\/sse\?api_key=\[redacted\]&token=\[redacted\]/);
  assert.match(shown.stdout, /store: redis:\/\/\[redacted\]@127\.0\.0\.1:6379/);

  const revealed = await runCli(['print-config', '--config', file, '--show-secrets']);
  assert.equal(revealed.code, 0, revealed.stderr);
  for (const s of SECRETS) assert.ok(revealed.stdout.includes(s), `--show-secrets shows ${s}`);
});

test('doctor: text and --json, findings and the suggested config, name no secret', async (t) => {
  const backend = await startFixture('legacy-sse-server');
  t.after(() => backend.stop());
  const url = withSecrets(backend.url);
  const text = await runCli(['doctor', url, '--timeout', '3000']);
  assert.equal(text.code, 1, `a legacy SSE server needs the proxy\n${text.stdout}${text.stderr}`);
  assertNoSecret(text.stdout + text.stderr, 'doctor');
  assert.match(text.stdout, /mcp-frontdoor --backend 'http:\/\/\[redacted\]@127\.0\.0\.1:\d+\/sse\?api_key=\[redacted\]&token=\[redacted\]'/);
  assert.match(text.stdout, /shown as \[redacted\]/);

  const json = await runCli(['doctor', url, '--json', '--timeout', '3000']);
  assertNoSecret(json.stdout + json.stderr, 'doctor --json');
  const d = JSON.parse(json.stdout) as { url: string; config: { frontdoor?: { backend: string } } };
  assert.equal(d.url, `${backend.url.replace('http://', 'http://[redacted]@')}?api_key=[redacted]&token=[redacted]`);
  assert.equal(d.config.frontdoor?.backend, d.url);

  const refused = await runCli(['doctor', `ftp://alice:${PASSWORD}@127.0.0.1/sse?api_key=${KEY}`]);
  assert.equal(refused.code, 2);
  assertNoSecret(refused.stdout + refused.stderr, 'a refused doctor URL');
});
