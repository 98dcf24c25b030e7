// A session taken over from a dead replica stays with its principal: the store record keeps the
// principal's id (never the credential), so after a kill -9 of the owner, another key on the
// session is refused by the replica that takes it over, and the owner's key goes on working.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { startFixture, startProxy } from '../helpers/process.js';
import { counter, startRedis } from '../helpers/cluster.js';
import { initializeBody, post } from '../helpers/http.js';

const KEY1 = randomBytes(24).toString('base64url');
const KEY2 = randomBytes(24).toString('base64url');

test('takeover keeps the principal: the other key is refused on the new owner, the session’s own key works', { timeout: 60_000 }, async (t) => {
  const backend = await startFixture('legacy-sse-server');
  t.after(() => backend.stop());
  const redis = await startRedis();
  t.after(() => redis.proc.stop());
  const dir = mkdtempSync(path.join(tmpdir(), 'frontdoor-auth-cluster-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'frontdoor.yaml');
  writeFileSync(
    file,
    stringify({
      listen: { host: '127.0.0.1', port: 0 },
      store: redis.url,
      cluster: { heartbeat: '300ms', replicaTtl: '1200ms' },
      routes: [{ path: '/', backend: { url: backend.url }, auth: { mode: 'apiKey', keys: [KEY1, KEY2] } }],
    }),
  );
  const a = await startProxy(['--config', file]);
  t.after(() => a.stop());
  const b = await startProxy(['--config', file]);
  t.after(() => b.stop());
  await Promise.all([a, b].map((p) => p.waitForLine((l) => l.reason === 'replica_registered')));

  const init = await post(a.url, initializeBody(), { authorization: `Bearer ${KEY1}` });
  assert.equal(init.status, 200);
  await init.text();
  const headers = { 'mcp-session-id': init.headers.get('mcp-session-id')!, 'mcp-protocol-version': '2025-06-18' };
  const ack = await post(a.url, JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }), { ...headers, authorization: `Bearer ${KEY1}` });
  assert.equal(ack.status, 202);
  await a.stop('SIGKILL');

  const list = (id: number) => JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/list' });
  // B waits for A's registration to lapse, claims the session, re-creates it bound to KEY1's principal.
  const other = await post(b.url, list(2), { ...headers, authorization: `Bearer ${KEY2}` });
  assert.equal(other.status, 403, 'another principal on a taken-over session');
  assert.equal(((await other.json()) as { error: { data: { code: string } } }).error.data.code, 'ERR_PRINCIPAL_MISMATCH');
  assert.equal(await counter(b.origin, 'frontdoor_sessions_claimed_total'), 1, 'the session was taken over');
  const own = await post(b.url, list(3), { ...headers, authorization: `Bearer ${KEY1}`, accept: 'application/json' });
  assert.equal(own.status, 200);
  assert.ok(((await own.json()) as { result?: { tools: unknown[] } }).result?.tools.length, 'the owner goes on');
});
