// Hostile credentials: thousands of random and forged Authorization / X-API-Key headers against an
// oauth route and an apiKey route (random bytes, JWT-shaped junk, forged headers naming made-up
// keys, URLs in jku/x5u, `crit`, `none`, huge claims, real-key tokens with one claim wrong). Every
// answer is a 400/401/403 with a JSON-RPC error; none reaches the backend; made-up key ids cost the
// identity provider at most one extra key-set fetch (auth.jwksCooldown); memory stays bounded; a
// witness session with a valid token keeps working. Seeded: FUZZ_SEED=<seed> replays a run.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startAuthStack, type AuthStack } from '../helpers/auth-stack.js';
import { initializeBody, post } from '../helpers/http.js';
import { createRng, type Rng } from '../helpers/prng.js';
import { metricValue, readMetrics } from '../helpers/metrics.js';
import { fileScope } from '../helpers/file-scope.js';

const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);
const REQUESTS = 2_000;
const CONCURRENCY = 16;
const RSS_LIMIT_BYTES = 250 * 1024 * 1024;

let stack: AuthStack;
const scope = fileScope();
before(async () => {
  stack = await startAuthStack(scope, (oidc, backendUrl) => [
    { path: '/', backend: { url: backendUrl }, auth: { mode: 'oauth', issuer: oidc.issuer, scopes: ['mcp:tools'] } },
    { path: '/key', backend: { url: backendUrl }, auth: { mode: 'apiKey', keys: ['k'.repeat(32)] } },
  ]);
});

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

function junkJwt(rng: Rng): string {
  const header = rng.pick<Record<string, unknown>>([
    { alg: 'none' },
    { alg: 'HS256', kid: 'key-a' },
    { alg: 'ES256', kid: rng.string(rng.int(1, 40)) },
    { alg: 'RS256', kid: 'x'.repeat(rng.int(100, 2000)) },
    { alg: 'ES256', jku: 'http://127.0.0.1:1/jwks', kid: 'key-a' },
    { alg: 'ES256', x5u: 'http://127.0.0.1:1/cert', crit: ['exp'] },
    { alg: rng.string(5) },
    {},
  ]);
  const claims = rng.pick<unknown>([
    { iss: 'x', aud: 'y', exp: 1 },
    { nested: JSON.parse('['.repeat(50) + ']'.repeat(50)) },
    'not json',
    rng.string(rng.int(0, 3000)),
  ]);
  const parts = [rng.chance(0.8) ? b64(header) : rng.string(rng.int(0, 50)), b64(claims), rng.string(rng.int(0, 400), 'ABCDEFabcdef0123456789-_')];
  return parts.slice(0, rng.pick([1, 2, 3, 3, 3, 4])).join('.');
}

async function credential(rng: Rng): Promise<Record<string, string>> {
  const o = stack.oidc;
  const aud = stack.proxy.url;
  const pick = rng.int(0, 9);
  if (pick === 0) return { authorization: rng.string(rng.int(0, 200)) };
  if (pick === 1) return { authorization: `Bearer ${rng.string(rng.int(1, 6000), 'abcdefghijklmnopqrstuvwxyz0123456789-._~+/')}` };
  if (pick === 2) return { 'x-api-key': rng.string(rng.int(1, 300)) };
  if (pick <= 5) return { authorization: `Bearer ${junkJwt(rng)}` };
  if (pick === 6) return { authorization: `Bearer ${await o.mintToken({ aud }, { key: 'foreign', kid: `forged-${rng.int(0, 1e9)}` })}` };
  if (pick === 7) return { authorization: `Bearer ${await o.mintToken({ aud, exp: rng.int(0, Math.floor(Date.now() / 1000) - 60) })}` };
  if (pick === 8) return { authorization: `Bearer ${await o.mintToken({ aud: rng.string(20) })}` };
  return { authorization: `bearer ${await o.mintToken({ aud, scope: rng.pick(['', 'openid', 'mcp:other']) })}` };
}

test(`auth fuzz: ${REQUESTS} hostile credentials, only 4xx with JSON-RPC errors, nothing reaches the backend (seed ${SEED})`, { timeout: 90_000 }, async () => {
  const witness = (await stack.oidc.clientCredentialsToken(stack.oidc.clientA, stack.proxy.url, 'mcp:tools')).access_token;
  const rng = createRng(SEED);
  const statuses = new Map<number, number>();
  const failures: string[] = [];
  let next = 0;
  const deadline = Date.now() + 60_000;
  const worker = async () => {
    while (next < REQUESTS && Date.now() < deadline) {
      next++;
      const headers = await credential(rng);
      const url = rng.chance(0.2) ? `${stack.proxy.origin}/key/mcp` : rng.chance(0.2) ? `${stack.proxy.origin}/messages?sessionId=x` : stack.proxy.url;
      let res: Response;
      try {
        res = await post(url, initializeBody(), headers);
      } catch (e) {
        // Headers Node refuses to send (invalid characters) never leave the client.
        if (e instanceof TypeError) continue;
        throw e;
      }
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      const text = await res.text();
      if (![400, 401, 403, 431].includes(res.status)) failures.push(`${res.status} for ${JSON.stringify(headers).slice(0, 200)}: ${text.slice(0, 200)}`);
      else if (res.status !== 431 && !/"code":"ERR_/.test(text)) failures.push(`${res.status} without a JSON-RPC error: ${text.slice(0, 200)}`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const summary = `seed ${SEED}: ${next} sent, statuses ${JSON.stringify(Object.fromEntries(statuses))}`;
  console.log(summary);
  assert.deepEqual(failures.slice(0, 5), [], summary);
  assert.ok(next >= REQUESTS, `only ${next} requests within the time bound; ${summary}`);
  assert.equal(await stack.backendConnections(), 0, 'a refused request reached the backend');
  const metrics = await readMetrics(stack.proxy.origin);
  const fetches =
    (metricValue(metrics, 'frontdoor_jwks_fetches_total', { route: '/', result: 'ok' }) ?? 0) +
    (metricValue(metrics, 'frontdoor_jwks_fetches_total', { route: '/', result: 'failed' }) ?? 0);
  assert.ok(fetches <= 3, `made-up key ids made the proxy fetch the key set ${fetches} times; ${summary}`);
  const rss = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${stack.proxy.pid}/status`, 'utf8'))![1]) * 1024;
  assert.ok(rss < RSS_LIMIT_BYTES, `proxy RSS ${Math.round(rss / 1048576)} MB`);
  const ok = await post(stack.proxy.url, initializeBody(), { authorization: `Bearer ${witness}` });
  assert.equal(ok.status, 200, 'a valid token still opens a session');
  await ok.text();
});
