// Hot reload with sessions active on several routes: a valid new file is applied (added routes
// start, removed routes drain, changed routes give new sessions the new backend, untouched routes
// never notice); an invalid one is reported and the running config stays.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startFixture, startProxy, stopAll } from '../helpers/process.js';
import { connectStreamable, textOf, type TestClient } from '../helpers/clients.js';
import { initializeBody, post } from '../helpers/http.js';

after(() => stopAll());

const whoami = async (c: TestClient) => JSON.parse(textOf(await c.client.callTool({ name: 'whoami', arguments: {} }))) as { pid: number; connection: number };

function yaml(routes: Array<[string, string]>): string {
  return `listen: { port: 0 }\nroutes:\n${routes.map(([p, url]) => `  - path: ${p}\n    backend: { url: "${url}" }\n`).join('')}`;
}

test('a valid reload: untouched, changed, added and removed routes each behave as promised', async (t) => {
  const one = await startFixture('legacy-sse-server');
  t.after(() => one.stop());
  const two = await startFixture('legacy-sse-server');
  t.after(() => two.stop());
  const dir = mkdtempSync(path.join(tmpdir(), 'frontdoor-reload-'));
  const file = path.join(dir, 'frontdoor.yaml');
  writeFileSync(
    file,
    yaml([
      ['/a', one.url],
      ['/b', one.url],
      ['/d', one.url],
    ]),
  );
  const proxy = await startProxy(['--config', file]);
  t.after(() => proxy.stop());
  const url = (p: string) => new URL(`${p}/mcp`, proxy.origin).href;
  const a = await connectStreamable(url('/a'));
  t.after(() => a.close());
  const b = await connectStreamable(url('/b'));
  t.after(() => b.close());
  const d = await connectStreamable(url('/d'));
  t.after(() => d.close());
  const aBefore = await whoami(a);

  writeFileSync(
    file,
    yaml([
      ['/a', one.url],
      ['/b', two.url],
      ['/c', two.url],
    ]),
  );
  const line = await proxy.waitForLine((l) => l.reason === 'config_reloaded');
  assert.deepEqual([line.added, line.removed, line.changed, line.unchanged], [['/c'], ['/d'], ['/b'], ['/a']]);

  // Untouched: same backend connection, no reconnect.
  assert.deepEqual(await whoami(a), aBefore);
  // Changed: the existing session stays on the old backend; a new session gets the new one.
  const oneInfo = await whoami(b);
  assert.equal(oneInfo.pid, aBefore.pid);
  const b2 = await connectStreamable(url('/b'));
  t.after(() => b2.close());
  assert.notEqual((await whoami(b2)).pid, aBefore.pid);
  // Added: serves at once.
  const c = await connectStreamable(url('/c'));
  t.after(() => c.close());
  assert.equal(textOf(await c.client.callTool({ name: 'echo', arguments: { text: 'new route' } })), 'new route');
  // Removed: the existing session drains on; a new initialize is refused.
  assert.equal(textOf(await d.client.callTool({ name: 'echo', arguments: { text: 'draining' } })), 'draining');
  const refused = await post(url('/d'), initializeBody(1));
  assert.equal(refused.status, 404);
  await refused.text();
  // When the last session of the removed route ends, the route lets its backend go.
  await d.close();
  await proxy.waitForLine((l) => l.reason === 'route_disposed' && l.route === '/d');
});

test('an invalid reload is reported issue by issue and the running config stays; SIGHUP applies a fixed file', async (t) => {
  const backend = await startFixture('legacy-sse-server');
  t.after(() => backend.stop());
  const dir = mkdtempSync(path.join(tmpdir(), 'frontdoor-reload-'));
  const file = path.join(dir, 'frontdoor.yaml');
  writeFileSync(file, yaml([['/', backend.url]]));
  const proxy = await startProxy(['--config', file]);
  t.after(() => proxy.stop());
  const client = await connectStreamable(proxy.url);
  t.after(() => client.close());

  writeFileSync(file, `listen: { port: 0 }\nroutes:\n  - path: /\n    backend: { url: "${backend.url}", tiemouts: {} }\n`);
  const issue = await proxy.waitForLine((l) => l.reason === 'reload_rejected' && typeof l.msg === 'string' && l.msg.includes('tiemouts'));
  assert.match(String(issue.msg), /frontdoor\.yaml:4:\d+: .*unknown key "tiemouts" \(did you mean "timeouts"\?\)/);
  assert.equal(textOf(await client.client.callTool({ name: 'echo', arguments: { text: 'still here' } })), 'still here');
  const fresh = await connectStreamable(proxy.url);
  t.after(() => fresh.close());
  await fresh.close();

  // Fix the file without a watch event reaching us first, then reload by signal.
  writeFileSync(
    file,
    yaml([
      ['/', backend.url],
      ['/extra', backend.url],
    ]),
  );
  process.kill(proxy.pid, 'SIGHUP');
  const applied = await proxy.waitForLine((l) => l.reason === 'config_reloaded' && Array.isArray(l.added) && (l.added as string[]).includes('/extra'));
  assert.ok(applied);
  const extra = await connectStreamable(new URL('/extra/mcp', proxy.origin).href);
  t.after(() => extra.close());
  await extra.close();
});
