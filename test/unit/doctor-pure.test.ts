// The doctor's pure pieces that the CLI tests cannot reach one by one: the `--header` flag, the
// redaction of header values from a diagnosis (a server may quote a credential back), the nearby paths
// probed, and which refusals send clients into OAuth discovery.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DOCTOR_OWN_HEADERS, parseHeaderFlags } from '../../src/cli/header-flags.js';
import { parseCli } from '../../src/cli/args.js';
import { UsageError } from '../../src/cli/cli-errors.js';
import { startsOAuthDiscovery } from '../../src/cli/doctor/auth-wall.js';
import type { Diagnosis } from '../../src/cli/doctor/diagnose.js';
import { redactDiagnosis } from '../../src/cli/doctor/redact-diagnosis.js';
import { nearbyUrls } from '../../src/cli/doctor/run-probes.js';

const parseDoctorHeaders = (flags: string[]) => parseHeaderFlags(flags, DOCTOR_OWN_HEADERS, 'the doctor');

test('--header: K:V and K: V, names kept as given; bad ones refused without echoing the value', () => {
  assert.deepEqual(parseDoctorHeaders(['X-N8N-Key:abc', 'Authorization: Bearer tok en ']), { 'X-N8N-Key': 'abc', Authorization: 'Bearer tok en' });
  assert.deepEqual(parseDoctorHeaders(['X-Empty:']), { 'X-Empty': '' });
  for (const bad of ['Bearer secret-1', ': secret-2', 'Bad Name: secret-3', 'Host: secret-4', 'origin:secret-5', 'X-A: secret-6\r\nX-B: y']) {
    assert.throws(
      () => parseDoctorHeaders([bad]),
      (e: unknown) => e instanceof UsageError && !e.message.includes('secret-'),
      bad,
    );
  }
  assert.throws(() => parseDoctorHeaders(['X-Key: a', 'x-key: b']), /--header x-key is given twice/);
});

test("the proxy's --backend --header takes the same parser: a flag without NAME: is refused without echoing it", async () => {
  await assert.rejects(
    parseCli(['--backend', 'http://127.0.0.1:1/sse', '--header', 'Bearer secret-7'], '/nonexistent/frontdoor.yaml', {}),
    (e: unknown) => e instanceof UsageError && !e.message.includes('secret-'),
  );
});

test('redactDiagnosis: header values (and a Bearer token alone) never survive, URL secrets neither', () => {
  const d = {
    url: 'http://127.0.0.1:1/sse?api_key=k-123',
    findings: [{ id: 'x', severity: 'info', title: 'the server said: bad token tok-5f2e9a (Bearer tok-5f2e9a), key n8n-key-0a1b' }],
    config: { claudeCode: "claude mcp add --header 'X: [redacted]'" },
    headers: ['Authorization', 'X-N8N-Key'],
  } as unknown as Diagnosis;
  const shown = JSON.stringify(redactDiagnosis(d, ['Bearer tok-5f2e9a', 'n8n-key-0a1b', 'on']));
  for (const secret of ['tok-5f2e9a', 'n8n-key-0a1b', 'k-123']) assert.ok(!shown.includes(secret), `${secret} in ${shown}`);
  assert.match(shown, /key \[redacted\]/);
  // Values too short to be secrets are not searched for (they would blot out ordinary words).
  assert.match(shown, /the server said/);
  assert.match(shown, /Authorization/);
});

test('nearbyUrls: the base of a …/sse URL first (n8n), then /sse, /mcp and /, with the query', () => {
  const paths = (u: string) => nearbyUrls(new URL(u)).map((x) => x.pathname + x.search);
  assert.deepEqual(paths('http://h:5678/mcp/abc/sse'), ['/mcp/abc', '/sse', '/mcp', '/']);
  assert.deepEqual(paths('http://h:5678/mcp/abc/sse/?k=1'), ['/mcp/abc?k=1', '/sse?k=1', '/mcp?k=1', '/?k=1']);
  assert.deepEqual(paths('http://h:9121/sse'), ['/mcp', '/']);
  assert.deepEqual(paths('http://h:9121/mcp/abc'), ['/sse', '/mcp', '/']);
  assert.deepEqual(paths('http://h:9121/'), ['/sse', '/mcp']);
});

test('startsOAuthDiscovery: a 401, or a 403 without WWW-Authenticate (Claude Code); not a 403 with a challenge', () => {
  const a = (status: number, wwwAuthenticate?: string) => ({
    status,
    contentType: '',
    bodyKind: 'empty' as const,
    snippet: '',
    ...(wwwAuthenticate ? { wwwAuthenticate } : {}),
  });
  assert.equal(startsOAuthDiscovery(a(401)), true);
  assert.equal(startsOAuthDiscovery(a(403)), true);
  assert.equal(startsOAuthDiscovery(a(403, 'Bearer error="insufficient_scope"')), false);
  assert.equal(startsOAuthDiscovery(a(404)), false);
});
