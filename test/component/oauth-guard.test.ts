// The oauth guard in process, against the real test authorization server: what it caches, and how
// it behaves when the authorization server goes away (metadata and keys kept; 503 only when there
// is nothing to check a token with). The clock is mocked to cross the hour after which the issuer's
// metadata is read again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import pino from 'pino';
import { createOAuthGuard } from '../../src/auth/oauth/oauth-guard.js';
import { createBackendHttpClient } from '../../src/backends/http-client.js';
import { authSchema, type OAuthConfig } from '../../src/config/auth-schema.js';
import { Metrics } from '../../src/observability/metrics.js';
import { isProxyError } from '../../src/errors/proxy-error.js';
import { startOidc } from '../helpers/oidc.js';
import { metricValue } from '../helpers/metrics.js';

const AUD = 'http://127.0.0.1:1/mcp';
const target = () => ({ resource: AUD, metadataUrl: 'http://127.0.0.1:1/.well-known/oauth-protected-resource/mcp', audiences: [AUD] });
const request = (token: string) => ({ headers: { authorization: `Bearer ${token}` } }) as unknown as IncomingMessage;

function guardFor(issuer: string, t: { after: (fn: () => void) => void }) {
  const http = createBackendHttpClient({ keepAliveMs: 1_000 });
  t.after(() => http.destroy());
  const metrics = new Metrics();
  const config = authSchema.parse({ mode: 'oauth', issuer }) as OAuthConfig;
  return { guard: createOAuthGuard({ config, route: '/', http, log: pino({ level: 'silent' }), metrics }), metrics };
}

test('an authorization server that goes away after start: cached metadata and keys keep tokens checkable, past the hourly re-read', async (t) => {
  const oidc = await startOidc(t);
  const { guard, metrics } = guardFor(oidc.issuer, t);
  const farExp = Math.floor(Date.now() / 1000) + 3 * 3600;
  const first = await guard.authenticate(request(await oidc.mintToken({ aud: AUD, exp: farExp })), target);
  assert.equal(first?.label, 'client-a');
  const second = await oidc.mintToken({ aud: AUD, exp: farExp, sub: 'other' });
  await oidc.proc.stop();
  t.mock.timers.enable({ apis: ['Date'], now: Date.now() });
  t.mock.timers.tick(61 * 60_000);
  const p = await guard.authenticate(request(second), target);
  assert.equal(p?.label, 'other (client client-a)', 'checked with the keys and metadata at hand');
  assert.equal(metricValue(await metrics.render(), 'frontdoor_jwks_fetches_total', { route: '/', result: 'ok' }), 1, 'one key fetch served both');
});

test('an authorization server that is down from the start: every request gets 503 with Retry-After', async (t) => {
  const oidc = await startOidc(t);
  const issuer = oidc.issuer;
  const token = await oidc.mintToken({ aud: AUD });
  await oidc.proc.stop();
  const { guard } = guardFor(issuer, t);
  for (let i = 0; i < 3; i++) {
    await assert.rejects(
      async () => guard.authenticate(request(token), target),
      (e: unknown) => isProxyError(e) && e.status === 503 && e.headers?.['retry-after'] === '5',
    );
  }
});
