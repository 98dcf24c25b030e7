// The official conformance suite's 2025-11-25 requirement set through the proxy in front of a backend that
// speaks only MCP 2026-07-28 (the reverse direction of issue 13, docs/modern-backend.md): the SDK v2 fixture
// with legacy: 'reject' behind a `streamable-http` route with `backend.era: auto` (the default). The score
// is printed; every scenario that passes through the proxy in front of the legacy SSE fixture
// (test/e2e/conformance.test.ts: all that the reference passes) must pass here too, except those the modern
// fixture cannot express at all.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { stopAll } from '../helpers/process.js';
import { formatTable, runConformance } from '../conformance/run.js';

after(async () => {
  await stopAll();
});

/**
 * Scenarios whose fixture tools send a server→client request in the middle of a call (ctx.mcpReq.send of
 * elicitation/create or sampling/createMessage). MCP 2026-07-28 forbids server→client requests (Streamable
 * HTTP: "The server MUST NOT send independent JSON-RPC requests"), so the modern-only fixture answers
 * "Method 'elicitation/create' is not supported by the negotiated protocol version (wire era 2026-07-28)"
 * and the proxy never sees a request to translate. The same interactions written as multi round-trip tools
 * (test_input_required_result_*) do reach SDK v1 clients as server→client requests through the proxy
 * (test/e2e/modern-backend.test.ts).
 */
const INEXPRESSIBLE_BY_A_MODERN_SERVER = ['elicitation-sep1034-defaults', 'elicitation-sep1330-enums', 'tools-call-elicitation', 'tools-call-sampling'];

test('conformance 2025-11-25 through the proxy in front of a 2026-07-28-only backend', { timeout: 8 * 60_000 }, async (t) => {
  const result = await runConformance({
    requirements: '2025-11-25',
    behind: 'modern',
    scenarioTimeoutMs: 20_000,
    runTimeoutMs: 3 * 60_000,
    log: process.env.FRONTDOOR_TEST_VERBOSE ? (m) => process.stderr.write(`[conformance] ${m}\n`) : undefined,
  });
  const table = formatTable(result);
  for (const line of table.split('\n')) t.diagnostic(line);
  const scoredPassing = [...result.proxied.values()].filter((r) => r.scored && r.status === 'pass').length;
  t.diagnostic(`through the proxy in front of the modern-only fixture: ${scoredPassing}/${result.scored.length} scored scenarios`);

  assert.equal(result.proxyError, undefined, `the proxied run could not start: ${result.proxyError}\n\n${table}`);
  const referenceFailing = [...result.reference.values()].filter((r) => r.scored && r.status !== 'pass').map((r) => r.scenario);
  assert.deepEqual(referenceFailing, [], `the reference run fails scored scenarios: the fixture or the harness is broken\n\n${table}`);
  // Exactly the listed ones: one that starts passing must leave the list, one that starts failing is a regression.
  assert.deepEqual([...result.regressions].sort(), INEXPRESSIBLE_BY_A_MODERN_SERVER, `scenarios lost behind the modern-only backend\n\n${table}`);
});
