// Path mistakes clients and users make, served instead of 404'd (each counted and logged), and the
// per-route switch that turns the repairs off.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { request } from 'node:http';
import { startFixture, startProxy, stopAll } from '../helpers/process.js';
import { initializeBody, post } from '../helpers/http.js';

after(() => stopAll());

function configFile(backendUrl: string, prefix: string, paths: boolean): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'frontdoor-paths-'));
  const file = path.join(dir, 'f.yaml');
  writeFileSync(file, `listen: { port: 0 }\nroutes:\n  - path: ${prefix}\n    backend: { url: "${backendUrl}" }\n    repairs: { paths: ${paths} }\n`);
  return file;
}

/** fetch() normalises `//mcp`; node:http sends the path as given. */
function rawPost(origin: string, pathname: string, body: string): Promise<{ status: number; session: string | undefined }> {
  const u = new URL(origin);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: pathname,
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      },
      (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, session: res.headers['mcp-session-id'] as string | undefined });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

test('Streamable HTTP clients pointed at /sse, the root, /mcp/ or //mcp are served as /mcp', async (t) => {
  const backend = await startFixture('legacy-sse-server');
  t.after(() => backend.stop());
  const proxy = await startProxy(['--backend', backend.url]);
  t.after(() => proxy.stop());
  for (const p of ['/sse', '/', '/mcp/', '//mcp']) {
    const r = await rawPost(proxy.origin, p, initializeBody(1));
    assert.equal(r.status, 200, p);
    assert.ok(r.session, `${p} minted a session`);
  }
  const metrics = await (await fetch(new URL('/metrics', proxy.url))).text();
  for (const reason of ['post_to_sse_served_as_mcp', 'post_to_root_served_as_mcp', 'mcp_path_normalized']) {
    assert.match(metrics, new RegExp(`frontdoor_repairs_total\\{reason="${reason}",route="/"\\} \\d`), reason);
  }
  await proxy.waitForLine((l) => l.reason === 'post_to_sse_served_as_mcp' && typeof l.msg === 'string' && l.msg.startsWith('repair'));
});

test('a doubled route prefix is served', async (t) => {
  const backend = await startFixture('legacy-sse-server');
  t.after(() => backend.stop());
  const proxy = await startProxy(['--config', configFile(backend.url, '/tools', true)]);
  t.after(() => proxy.stop());
  const r = await rawPost(proxy.origin, '/tools/tools/mcp', initializeBody(1));
  assert.equal(r.status, 200);
  await proxy.waitForLine((l) => l.reason === 'doubled_prefix');
});

test('with repairs.paths off the mistakes are refused as the spec says', async (t) => {
  const backend = await startFixture('legacy-sse-server');
  t.after(() => backend.stop());
  const proxy = await startProxy(['--config', configFile(backend.url, '/', false)]);
  t.after(() => proxy.stop());
  assert.equal((await rawPost(proxy.origin, '/mcp/', initializeBody(1))).status, 404);
  assert.equal((await rawPost(proxy.origin, '/', initializeBody(1))).status, 404);
  assert.equal((await rawPost(proxy.origin, '/sse', initializeBody(1))).status, 405);
  const get = await fetch(proxy.url, { headers: { accept: 'text/event-stream' } });
  assert.equal(get.status, 405);
  await get.text();
  const ok = await post(proxy.url, initializeBody(1));
  assert.equal(ok.status, 200);
  await ok.text();
});

test('a backend configured without its path is found by probing, and the log says what to configure', async (t) => {
  const backend = await startFixture('legacy-sse-server');
  t.after(() => backend.stop());
  const origin = new URL(backend.url).origin;
  const proxy = await startProxy(['--backend', origin]);
  t.after(() => proxy.stop());
  const res = await post(proxy.url, initializeBody(1));
  assert.equal(res.status, 200);
  await res.text();
  const line = await proxy.waitForLine((l) => l.reason === 'backend_path_discovered');
  assert.equal(line.found, `${origin}/sse`);
  assert.match(String(line.hint), /configure url: http:\/\/127\.0\.0\.1:\d+\/sse/);
});
