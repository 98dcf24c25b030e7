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

/** The fixture implements every scored 2025-11-25 server scenario; fewer than this means the fixture broke. */
const MIN_REFERENCE_SCORED_PASSES = 28;

test('conformance suite through the proxy matches the direct Streamable HTTP reference', { timeout: 8 * 60_000 }, async () => {
  const result = await runConformance({
    scenarioTimeoutMs: 20_000,
    runTimeoutMs: 3 * 60_000,
    log: process.env.FRONTDOOR_TEST_VERBOSE ? (m) => process.stderr.write(`[conformance] ${m}\n`) : undefined,
  });
  const table = formatTable(result);

  const referenceScoredPasses = [...result.reference.values()].filter((r) => r.scored && r.status === 'pass').length;
  assert.ok(
    referenceScoredPasses >= MIN_REFERENCE_SCORED_PASSES,
    `reference run (fixture over Streamable HTTP, no proxy) passed only ${referenceScoredPasses}/${result.scored.length} scored scenarios; ` +
      `expected at least ${MIN_REFERENCE_SCORED_PASSES}: the conformance fixture or the CLI is broken\n\n${table}`,
  );

  assert.equal(result.proxyError, undefined, `the proxied run could not start: ${result.proxyError}\n\n${table}`);
  assert.deepEqual(
    result.regressions,
    [],
    `${result.regressions.length} scenario(s) pass directly but fail through the proxy: ${result.regressions.join(', ')}\n\n${table}`,
  );
});
