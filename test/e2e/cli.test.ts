// The command line: help, bad flags and bad config (one clear line, exit 2), and `npm start`'s
// default config, which launches the bundled demo server that a real SDK client then uses.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PROXY_MAIN, REPO_ROOT, startProxy, stopAll } from '../helpers/process.js';
import { connectStreamable, textOf } from '../helpers/clients.js';

after(() => stopAll());

const run = (args: string[]) => spawnSync(process.execPath, [PROXY_MAIN, ...args], { encoding: 'utf8', timeout: 20_000 });

test('--help documents every flag', () => {
  const r = run(['--help']);
  assert.equal(r.status, 0);
  for (const flag of ['--backend', '--config', '--port', '--host', '--public-url', '--idle-timeout', '--max-body', '--log-level', '--allowed-origin']) {
    assert.ok(r.stdout.includes(flag), flag);
  }
});

test('bad flags: one clear line, exit code 2', () => {
  for (const args of [
    ['--bogus'],
    ['--backend', 'not a url'],
    ['--backend', 'http://127.0.0.1:1/sse', '--port', 'eighty'],
    ['--backend', 'http://127.0.0.1:1/sse', '--idle-timeout', 'soon'],
  ]) {
    const r = run(args);
    assert.equal(r.status, 2, args.join(' '));
    assert.equal(r.stderr.trim().split('\n').length, 1, `one line for ${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /^mcp-frontdoor: /);
  }
});

test('bad config: file:line:col for each problem, exit code 2', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'frontdoor-cli-'));
  const file = path.join(dir, 'bad.yaml');
  writeFileSync(file, 'listen:\n  port: 8080\n  hots: 127.0.0.1\nroutes:\n  - path: /\n    backend:\n      url: ftp://nowhere\n');
  const r = run(['--config', file]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:3: listen: unknown key "hots"`));
  assert.match(r.stderr, /:7:12: routes\.0\.backend\.url: expected an http:\/\/ or https:\/\/ URL/);
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

test('the default config launches the demo server and a real client connects', async (t) => {
  const demoPort = await freePort();
  const proxy = await startProxy(['--config', path.join(REPO_ROOT, 'config/frontdoor.yaml'), '--port', '0'], {
    env: { FRONTDOOR_DEMO_PORT: String(demoPort) },
  });
  t.after(() => proxy.stop());
  const c = await connectStreamable(proxy.url);
  t.after(() => c.close());
  assert.equal(c.client.getServerVersion()?.name, 'mcp-frontdoor-demo');
  assert.equal(textOf(await c.client.callTool({ name: 'add', arguments: { a: 1, b: 2 } })), '3');
  await c.close();
  await proxy.stop();
  // The launched demo server stops with the proxy.
  const probe = await fetch(`http://127.0.0.1:${demoPort}/sse`).then(
    () => 'up',
    () => 'down',
  );
  assert.equal(probe, 'down');
});
