// The official MCP conformance suite (requirement set 2025-11-25, server leg) run through mcp-frontdoor in
// front of a legacy HTTP+SSE server must score at least what the same fixture scores served directly over
// Streamable HTTP: every scenario passing in the reference must pass through the proxy.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { stopAll } from '../helpers/process.js';
import { formatTable, runConformance } from '../conformance/run.js';

after(async () => {
  await stopAll();
});

/**
 * The fixture implements every scenario the 2025-11-25 requirement set scores (30 server scenarios with
 * @modelcontextprotocol/conformance 0.2.0-alpha.12), so the reference must pass all of them: a scored scenario
 * failing directly means the fixture (or the CLI harness) broke, and the comparison would silently lose coverage.
 */
const MIN_SCORED_SCENARIOS = 25;

test('conformance suite through the proxy matches the direct Streamable HTTP reference', { timeout: 8 * 60_000 }, async (t) => {
  const result = await runConformance({
    scenarioTimeoutMs: 20_000,
    runTimeoutMs: 3 * 60_000,
    log: process.env.FRONTDOOR_TEST_VERBOSE ? (m) => process.stderr.write(`[conformance] ${m}\n`) : undefined,
  });
  const table = formatTable(result);
  for (const line of table.split('\n')) t.diagnostic(line);

  assert.ok(
    result.scored.length >= MIN_SCORED_SCENARIOS,
    `the requirement set scored only ${result.scored.length} server scenarios; expected at least ${MIN_SCORED_SCENARIOS}\n\n${table}`,
  );
  const referenceFailing = [...result.reference.values()].filter((r) => r.scored && r.status !== 'pass').map((r) => r.scenario);
  assert.deepEqual(
    referenceFailing,
    [],
    `the reference run (fixture over Streamable HTTP, no proxy) fails scored scenarios ${referenceFailing.join(', ')}: ` +
      `the conformance fixture or the harness is broken\n\n${table}`,
  );

  assert.equal(result.proxyError, undefined, `the proxied run could not start: ${result.proxyError}\n\n${table}`);
  assert.deepEqual(
    result.regressions,
    [],
    `${result.regressions.length} scenario(s) pass directly but fail through the proxy: ${result.regressions.join(', ')}\n\n${table}`,
  );
});
