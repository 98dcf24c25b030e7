// The environment of the processes the proxy starts. A variable set only in the proxy's
// environment (where its secrets live) is not visible to a stdio server by default, and is with
// `inheritEnv: true`; a configured `env` entry and PATH are visible; an exported shell function in
// an inherited variable is dropped. A launched backend `command` gets the same default, read from
// /proc/<pid>/environ. The stdio server is asked through the proxy with an SDK client.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../helpers/cluster.js';
import { connectStreamable, textOf, type TestClient } from '../helpers/clients.js';
import { FIXTURES_DIR, startProxy, stopAll, type RunningProxy } from '../helpers/process.js';

const SECRET = 'proxy-only-4c1e9b';
const CONFIGURED = 'configured-77a0';
const SHELL_FUNCTION = '() { :; }; echo injected';
const tmp = mkdtempSync(path.join(tmpdir(), 'frontdoor-child-env-'));
let proxy: RunningProxy;

before(async () => {
  const stdio = (extra: Record<string, unknown>) =>
    JSON.stringify({
      transport: 'stdio',
      command: 'node',
      args: [path.join(FIXTURES_DIR, 'stdio-server.js')],
      env: { FRONTDOOR_CONFIGURED_VAR: CONFIGURED },
      ...extra,
    });
  const port = await freePort();
  const launched = { url: `http://127.0.0.1:${port}/sse`, command: 'node', args: [path.join(FIXTURES_DIR, 'legacy-sse-server.js'), '--port', String(port)] };
  const file = path.join(tmp, 'f.yaml');
  // JSON is YAML flow syntax: no quoting surprises in paths.
  writeFileSync(
    file,
    [
      'listen: { port: 0 }',
      'routes:',
      `  - { path: /, backend: ${stdio({})} }`,
      `  - { path: /inherit, backend: ${stdio({ inheritEnv: true })} }`,
      `  - { path: /launched, backend: ${JSON.stringify(launched)} }`,
      '',
    ].join('\n'),
  );
  proxy = await startProxy(['--config', file], { env: { FRONTDOOR_TEST_SECRET: SECRET, TERM: SHELL_FUNCTION } });
});
after(async () => {
  await stopAll();
  rmSync(tmp, { recursive: true, force: true });
});

async function envOf(client: TestClient, name: string): Promise<string | null> {
  return (JSON.parse(textOf(await client.client.callTool({ name: 'env', arguments: { name } }))) as { value: string | null }).value;
}

test("a stdio server sees the default list and its configured env, not the proxy's other variables", async (t) => {
  const client = await connectStreamable(proxy.url);
  t.after(() => client.close());
  assert.equal(await envOf(client, 'FRONTDOOR_TEST_SECRET'), null);
  assert.equal(await envOf(client, 'FRONTDOOR_CONFIGURED_VAR'), CONFIGURED);
  assert.equal(await envOf(client, 'PATH'), process.env.PATH);
  assert.equal(await envOf(client, 'TERM'), null, 'an exported shell function is not inherited');
});

test("inheritEnv: true passes the proxy's whole environment, the configured env on top", async (t) => {
  const client = await connectStreamable(proxy.url.replace(/\/mcp$/, '/inherit/mcp'));
  t.after(() => client.close());
  assert.equal(await envOf(client, 'FRONTDOOR_TEST_SECRET'), SECRET);
  assert.equal(await envOf(client, 'FRONTDOOR_CONFIGURED_VAR'), CONFIGURED);
  assert.equal(await envOf(client, 'PATH'), process.env.PATH);
});

test('a launched backend command gets the default list too', async () => {
  const ready = await proxy.waitForLine((l) => l.msg === 'backend process ready');
  const environ = readFileSync(`/proc/${Number(ready.backendPid)}/environ`, 'utf8')
    .split('\0')
    .filter(Boolean);
  const names = environ.map((kv) => kv.slice(0, kv.indexOf('=')));
  assert.ok(!names.includes('FRONTDOOR_TEST_SECRET'), names.join(' '));
  assert.ok(names.includes('PATH'), names.join(' '));
  assert.ok(
    names.every((n) => ['HOME', 'LOGNAME', 'PATH', 'SHELL', 'TERM', 'USER'].includes(n)),
    `only the default list: ${names.join(' ')}`,
  );
});
