// The official MCP conformance suite's 2026-07-28 requirement set (server leg). The reference is the fixture surface
// served natively by the SDK v2 server; it must pass every scored scenario and the pending ones it implements.
// Through the proxy in front of the legacy SSE fixture (a 2024 server) every scenario the reference passes must
// pass, with as many successful checks and no more warnings: the modern face and its MRTR translation
// (docs/modern-face.md, docs/mrtr.md). Also: the modern-only fixture (the reverse direction's backend) refuses
// `initialize`.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFixture, stopAll } from '../helpers/process.js';
import { formatTable, runConformance } from '../conformance/run.js';

after(async () => {
  await stopAll();
});

/** Not scored by the 2026-07-28 set (pending), but the reference passes them, so they join the comparison. */
const PENDING_THE_REFERENCE_PASSES = ['json-schema-2020-12', 'http-header-validation', 'http-custom-header-server-validation'];
/** Scored scenarios of the 2026-07-28 set with @modelcontextprotocol/conformance 0.2.0-alpha.12. */
const SCORED_SCENARIOS = 37;

test('conformance 2026-07-28: the SDK v2 reference passes, and so does the proxy in front of the legacy SSE fixture', { timeout: 8 * 60_000 }, async (t) => {
  const result = await runConformance({
    requirements: '2026-07-28',
    scenarioTimeoutMs: 20_000,
    runTimeoutMs: 3 * 60_000,
    log: process.env.FRONTDOOR_TEST_VERBOSE ? (m) => process.stderr.write(`[conformance] ${m}\n`) : undefined,
  });
  const table = formatTable(result);
  for (const line of table.split('\n')) t.diagnostic(line);
  const passing = (m: typeof result.proxied, scored: boolean) => [...m.values()].filter((r) => r.scored === scored && r.status === 'pass').length;
  t.diagnostic(
    `through the proxy: ${passing(result.proxied, true)}/${result.scored.length} scored, ${passing(result.proxied, false)} unscored passing ` +
      `(${((result.proxiedRun?.durationMs ?? 0) / 1000).toFixed(1)} s); reference ${((result.referenceRun.durationMs ?? 0) / 1000).toFixed(1)} s`,
  );

  assert.equal(result.scored.length, SCORED_SCENARIOS, `the 2026-07-28 set scores ${result.scored.length} server scenarios\n\n${table}`);
  const referenceFailing = [...result.reference.values()].filter((r) => r.scored && r.status !== 'pass').map((r) => r.scenario);
  assert.deepEqual(referenceFailing, [], `the SDK v2 reference fails scored scenarios: the fixture or the harness is broken\n\n${table}`);
  for (const scenario of PENDING_THE_REFERENCE_PASSES) {
    assert.equal(result.reference.get(scenario)?.status, 'pass', `the SDK v2 reference fails the pending scenario ${scenario}\n\n${table}`);
  }
  assert.equal(result.proxyError, undefined, `the proxied run could not start: ${result.proxyError}\n\n${table}`);
  assert.deepEqual(result.regressions, [], `scenarios the reference passes fail through the proxy\n\n${table}`);
  // A pass with fewer applicable checks hides a SHOULD the proxy missed (a warning the reference does not have).
  for (const ref of result.reference.values()) {
    if (ref.status !== 'pass') continue;
    const through = result.proxied.get(ref.scenario)!;
    assert.ok(
      through.passed >= ref.passed && through.warnings <= ref.warnings,
      `${ref.scenario}: fewer successful checks or more warnings through the proxy\n\n${table}`,
    );
  }
});

test('conformance-server-v2 --era modern answers initialize with -32022 naming the revisions it serves', async (t) => {
  const fixture = await startFixture('conformance-server-v2', ['--era', 'modern', '--host', '127.0.0.1', '--port', '0']);
  t.after(() => fixture.stop());
  const res = await fetch(fixture.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
    }),
  });
  const body = (await res.json()) as { id?: unknown; error?: { code?: number; data?: { supported?: string[]; requested?: string } } };
  assert.equal(res.status, 400);
  assert.equal(res.headers.get('mcp-session-id'), null, 'a modern-only server never mints a session');
  assert.equal(body.error?.code, -32022, JSON.stringify(body));
  assert.ok(body.error?.data?.supported?.includes('2026-07-28'), JSON.stringify(body));
  assert.ok(!body.error?.data?.supported?.includes('2025-11-25'), JSON.stringify(body));

  const get = await fetch(fixture.url, { headers: { accept: 'text/event-stream' } });
  await get.body?.cancel();
  assert.equal(get.status, 405, 'the modern revision has no GET stream');
});
