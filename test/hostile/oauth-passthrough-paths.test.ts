// Path traversal through the OAuth passthrough relay. A backend with its own OAuth sits behind a
// route with auth.mode: passthrough; its `/_stats` stands for an internal page. Every traversal
// variant (plain, percent-encoded in any case, `..;`, backslashes, encoded slashes, a second round
// of encoding) gets a 400 JSON-RPC error (ERR_BAD_PATH) and /_stats is never hit, while a plain
// issuer path is relayed normalized. Requests go out on node:http, which sends the path as given
// (fetch would normalize it first).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startFixture, startProxy, stopAll, type RunningProcess, type RunningProxy } from '../helpers/process.js';

const AS = '/.well-known/oauth-authorization-server';
const OIDC = '/.well-known/openid-configuration';
const PRM = '/.well-known/oauth-protected-resource';

const TRAVERSALS: Array<[string, string]> = [
  [`${AS}/../../_stats`, 'path_dot_segment'],
  [`${AS}/./../_stats`, 'path_dot_segment'],
  [`${AS}/%2e%2e/%2e%2e/_stats`, 'path_dot_segment'],
  [`${AS}/%2E%2E/%2e./_stats`, 'path_dot_segment'],
  [`${AS}/.%2E/%2e%2E/_stats`, 'path_dot_segment'],
  [`${AS}/..;/..;/_stats`, 'path_dot_segment'],
  [`${AS}\\..\\..\\_stats`, 'path_backslash'],
  [`${AS}/..%5c..%5c_stats`, 'path_encoded_slash'],
  [`${AS}/..%5C..%5C_stats`, 'path_encoded_slash'],
  [`${AS}/..%2f..%2f_stats`, 'path_encoded_slash'],
  [`${AS}%2F..%2F..%2F_stats`, 'path_encoded_slash'],
  [`${AS}/%252e%252e/%252e%252e/_stats`, 'oauth_path_not_relayable'],
  [`${OIDC}/../../_stats`, 'path_dot_segment'],
  [`${OIDC}/%2e%2e/%2e%2e/_stats?x=1`, 'path_dot_segment'],
  [`/_stats/.${OIDC}`, 'path_dot_segment'],
  [`/x/../../_stats${OIDC}`, 'path_dot_segment'],
  [`${PRM}/../../_stats`, 'path_dot_segment'],
  ['/register/../_stats', 'path_dot_segment'],
  ['/../_stats', 'path_dot_segment'],
  ['/mcp/%2e%2e/_stats', 'path_dot_segment'],
];

let backend: RunningProcess & { url: string };
let proxy: RunningProxy;
const tmp = mkdtempSync(path.join(tmpdir(), 'frontdoor-oauth-paths-'));

before(async () => {
  backend = await startFixture('oauth-sse-server');
  const file = path.join(tmp, 'f.yaml');
  writeFileSync(file, `listen: { port: 0 }\nroutes:\n  - path: /\n    backend: { url: "${backend.url}" }\n    auth: { mode: passthrough }\n`);
  proxy = await startProxy(['--config', file]);
});
after(async () => {
  await stopAll();
  rmSync(tmp, { recursive: true, force: true });
});

/** One GET with the request target exactly as given. */
function rawGet(origin: string, target: string): Promise<{ status: number; type: string; body: string }> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path: target, method: 'GET', agent: false, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer for ${target}`)));
    req.on('error', reject);
    req.end();
  });
}

async function statsHits(): Promise<number> {
  return ((await (await fetch(new URL('/control/stats-hits', backend.url))).json()) as { hits: number }).hits;
}

test('every traversal variant gets 400 ERR_BAD_PATH and never reaches the backend', async () => {
  for (const [target, reason] of TRAVERSALS) {
    const res = await rawGet(proxy.origin, target);
    assert.equal(res.status, 400, `${target}: ${res.body}`);
    assert.match(res.type, /application\/json/, target);
    const body = JSON.parse(res.body) as { jsonrpc: string; error: { data: { code: string; reason: string } } };
    assert.equal(body.jsonrpc, '2.0', target);
    assert.equal(body.error.data.code, 'ERR_BAD_PATH', target);
    assert.equal(body.error.data.reason, reason, target);
  }
  assert.equal(await statsHits(), 0, 'the backend /_stats was never hit');
  const relayed = (await (await fetch(new URL('/control/requests', backend.url))).json()) as string[];
  assert.deepEqual(
    relayed.filter((r) => r.includes('_stats')),
    [],
    'no traversal reached the backend in any form',
  );
});

test('a plain issuer path is relayed normalized, with its query', async () => {
  const res = await rawGet(proxy.origin, `${AS}//realms/demo/?probe=1`);
  assert.equal(res.status, 404, 'the fixture has no such issuer: its own JSON 404 comes back');
  assert.match(res.body, /not_found/);
  const relayed = (await (await fetch(new URL('/control/requests', backend.url))).json()) as string[];
  assert.ok(relayed.includes(`${AS}/realms/demo?probe=1`), JSON.stringify(relayed));
  // The documents the relay serves as usual (test/e2e/oauth-passthrough.test.ts covers the flow).
  const as = await rawGet(proxy.origin, AS);
  assert.equal(as.status, 200);
  assert.equal((JSON.parse(as.body) as { issuer: string }).issuer, proxy.origin);
});

test('control: the backend itself serves /_stats to a traversal, so the first test would see a leak', async () => {
  const before = await statsHits();
  const direct = await rawGet(new URL(backend.url).origin, `${AS}/%2e%2e/%2e%2e/_stats`);
  assert.equal(direct.status, 200);
  assert.equal(await statsHits(), before + 1);
});
