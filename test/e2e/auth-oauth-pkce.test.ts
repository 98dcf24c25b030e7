// Authorization code + PKCE through the proxy, as an interactive client (Claude Code, VS Code) runs
// it: the SDK transport meets the 401, discovers the metadata, sends the user to the authorization
// server (here the test logs in as alice and bob, headlessly), finishes with the code, and calls
// tools as that user. Two users get two principals: neither can use the other's session.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError, type OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import { startAuthStack, type AuthStack } from '../helpers/auth-stack.js';
import { textOf } from '../helpers/clients.js';
import { initializeBody, post } from '../helpers/http.js';
import { fileScope } from '../helpers/file-scope.js';

let stack: AuthStack;
const scope = fileScope();

before(async () => {
  stack = await startAuthStack(
    scope,
    (oidc, backendUrl) => [{ path: '/', backend: { url: backendUrl }, auth: { mode: 'oauth', issuer: oidc.issuer, scopes: ['mcp:tools'] } }],
    { oidc: { issuerPath: '/realms/mcp' } },
  );
});

const REDIRECT = 'http://127.0.0.1:43917/callback';

/** A pre-registered public client (no dynamic registration), as with Keycloak's default setup. */
class PublicClient implements OAuthClientProvider {
  authorizationUrl: URL | undefined;
  private saved: OAuthTokens | undefined;
  private verifier = '';
  constructor(readonly user: string) {}
  get redirectUrl() {
    return REDIRECT;
  }
  get clientMetadata(): OAuthClientMetadata {
    return { redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none', grant_types: ['authorization_code'], response_types: ['code'] };
  }
  clientInformation(): OAuthClientInformationMixed {
    return { client_id: stack.oidc.publicClient.id };
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens) {
    this.saved = tokens;
  }
  redirectToAuthorization(url: URL) {
    url.searchParams.set('login_hint', this.user);
    this.authorizationUrl = url;
  }
  saveCodeVerifier(v: string) {
    this.verifier = v;
  }
  codeVerifier() {
    return this.verifier;
  }
}

async function login(user: string) {
  const provider = new PublicClient(user);
  const first = new StreamableHTTPClientTransport(new URL(stack.proxy.url), { authProvider: provider });
  await assert.rejects(new Client({ name: user, version: '1' }).connect(first), UnauthorizedError);
  assert.ok(provider.authorizationUrl, 'the SDK sent the user to the authorization server');
  assert.equal(provider.authorizationUrl.origin + provider.authorizationUrl.pathname.replace(/\/auth$/, ''), stack.oidc.issuer);
  assert.equal(provider.authorizationUrl.searchParams.get('resource'), stack.proxy.url, 'RFC 8707: the token is asked for this resource');
  assert.equal(provider.authorizationUrl.searchParams.get('code_challenge_method'), 'S256');
  const { code } = await stack.oidc.authorize(provider.authorizationUrl, REDIRECT);
  await first.finishAuth(code);
  const client = new Client({ name: user, version: '1' });
  const transport = new StreamableHTTPClientTransport(new URL(stack.proxy.url), { authProvider: provider });
  await client.connect(transport);
  return { client, transport, token: provider.tokens()!.access_token };
}

test('a user logs in with authorization code + PKCE through the proxy and calls tools as themself', async (t) => {
  const alice = await login('alice');
  t.after(() => alice.client.close());
  assert.equal(textOf(await alice.client.callTool({ name: 'echo', arguments: { text: 'as alice' } })), 'as alice');
  const line = await stack.proxy.waitForLine((l) => l.audit === 'tools/call' && l.tool === 'echo');
  assert.match(String(line.principal), /^alice/);
  // The audit line names its session and route, as every session line does.
  assert.equal(line.sessionId, alice.transport.sessionId);
  assert.equal(typeof line.route, 'string');

  const bob = await login('bob');
  t.after(() => bob.client.close());
  // Bob's valid token on Alice's session: refused.
  const list = JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list' });
  const res = await post(stack.proxy.url, list, {
    authorization: `Bearer ${bob.token}`,
    'mcp-session-id': alice.transport.sessionId!,
    'mcp-protocol-version': '2025-11-25',
  });
  assert.equal(res.status, 403);
  await res.text();
  // And Bob's own session works.
  const own = await post(stack.proxy.url, initializeBody(), { authorization: `Bearer ${bob.token}` });
  assert.equal(own.status, 200);
  await own.text();
});
