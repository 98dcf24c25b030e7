// The MRTR translation end to end: a 2026-07-28 client in front of a 2024 server (the legacy SSE conformance
// fixture, whose tools ask the client for input with real server→client requests during the call). The
// proxy answers with InputRequiredResult, holds the backend's call and resumes it on the retry; it refuses
// tampered state, asks again for missing answers, fails undeclared capabilities with -32021, gives the
// backend an error when the client never comes back (mrtr.holdTimeout), and bounds the rounds.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFixture, startProxy, stopAll, type RunningProxy } from '../helpers/process.js';
import { writeConfigFile } from '../helpers/config-file.js';
import { metricValue, readMetrics, waitForLimitHit, waitForMetric } from '../helpers/metrics.js';

after(() => stopAll());

const MODERN = '2026-07-28';
const ELICIT_TOOL = 'test_input_required_result_elicitation';

interface Answer {
  status: number;
  body: {
    id?: unknown;
    result?: {
      resultType?: string;
      inputRequests?: Record<string, { method: string; params: Record<string, unknown> }>;
      requestState?: string;
      content?: Array<{ text?: string }>;
    };
    error?: { code: number; message: string; data?: Record<string, unknown> };
  };
}

async function startStack(t: { after(fn: () => unknown): void }, mrtr: Record<string, unknown> = {}): Promise<RunningProxy> {
  const backend = await startFixture('conformance-server', ['--transport', 'sse', '--port', '0']);
  t.after(() => backend.stop());
  const cfg = writeConfigFile({ listen: { host: '127.0.0.1', port: 0 }, mrtr, routes: [{ path: '/', backend: { url: backend.url } }] });
  t.after(() => cfg.dispose());
  const proxy = await startProxy(['--config', cfg.file]);
  t.after(() => proxy.stop());
  return proxy;
}

/** One modern tools/call with the headers the revision requires. */
async function call(
  proxy: RunningProxy,
  id: number,
  name: string,
  extra: Record<string, unknown> = {},
  capabilities: Record<string, unknown> = { elicitation: {} },
): Promise<Answer> {
  const params = {
    name,
    arguments: {},
    ...extra,
    _meta: { 'io.modelcontextprotocol/protocolVersion': MODERN, 'io.modelcontextprotocol/clientCapabilities': capabilities },
  };
  const res = await fetch(proxy.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': MODERN,
      'mcp-method': 'tools/call',
      'mcp-name': name,
    },
    body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params }),
  });
  const text = await res.text();
  // A streamed answer: the last data line is the response.
  const json = res.headers.get('content-type')?.startsWith('text/event-stream')
    ? text
        .split('\n')
        .filter((l) => l.startsWith('data: '))
        .at(-1)!
        .slice(6)
    : text;
  return { status: res.status, body: JSON.parse(json) as Answer['body'] };
}

const accept = (content: Record<string, unknown>) => ({ action: 'accept', content });

test('an elicitation during a call becomes an InputRequiredResult; the retry with the answer completes the held call', async (t) => {
  const proxy = await startStack(t);
  const first = await call(proxy, 1, ELICIT_TOOL);
  assert.equal(first.status, 200);
  assert.equal(first.body.id, 1);
  assert.equal(first.body.result?.resultType, 'input_required', JSON.stringify(first.body));
  const ask = first.body.result!.inputRequests!.user_name!;
  assert.equal(ask.method, 'elicitation/create');
  assert.equal(
    (ask.params._meta as Record<string, unknown> | undefined)?.['dev.mcp-frontdoor/inputKey'],
    undefined,
    'the key hint is the proxy’s, not the client’s',
  );
  const state = first.body.result!.requestState!;
  assert.match(state, /^fd1\./);

  const done = await call(proxy, 2, ELICIT_TOOL, { inputResponses: { user_name: accept({ name: 'Alice' }), nobody_asked: accept({}) }, requestState: state });
  assert.equal(done.body.id, 2);
  assert.equal(done.body.result?.resultType, 'complete', JSON.stringify(done.body));
  assert.equal(done.body.result?.content?.[0]?.text, 'Hello, Alice!');
  assert.equal(metricValue(await readMetrics(proxy.origin), 'frontdoor_input_calls_total', { route: '/', outcome: 'completed' }), 1);
  assert.equal(metricValue(await readMetrics(proxy.origin), 'frontdoor_input_rounds_total', { route: '/' }), 1);
});

test('a tampered requestState is -32602 in-band, logged once with its errorId; the held call is untouched', async (t) => {
  const proxy = await startStack(t);
  const first = await call(proxy, 1, ELICIT_TOOL);
  const state = first.body.result!.requestState!;
  const [prefix, payload, mac] = state.split('.');
  const tampered = `${prefix}.${payload}.${mac!.startsWith('A') ? 'B' : 'A'}${mac!.slice(1)}`;
  const refused = await call(proxy, 2, ELICIT_TOOL, { inputResponses: { user_name: accept({ name: 'Mallory' }) }, requestState: tampered });
  assert.equal(refused.status, 200);
  assert.equal(refused.body.id, 2);
  assert.equal(refused.body.error?.code, -32602, JSON.stringify(refused.body));
  const errorId = refused.body.error!.data!.errorId as string;
  await proxy.waitForLine((l) => l.errorId === errorId);
  assert.equal(proxy.lines.filter((l) => l.includes(errorId)).length, 1);
  // Another tool's state: the params digest binds it to the original request.
  const other = await call(proxy, 3, 'test_input_required_result_request_state', { inputResponses: {}, requestState: state });
  assert.equal(other.body.error?.code, -32602, JSON.stringify(other.body));

  const done = await call(proxy, 4, ELICIT_TOOL, { inputResponses: { user_name: accept({ name: 'Alice' }) }, requestState: state });
  assert.equal(done.body.result?.content?.[0]?.text, 'Hello, Alice!', JSON.stringify(done.body));
});

test('a retry without the answer, or with a malformed one, is asked again under a new state', async (t) => {
  const proxy = await startStack(t);
  const first = await call(proxy, 1, ELICIT_TOOL);
  const again = await call(proxy, 2, ELICIT_TOOL, { inputResponses: { user_name: 12345 }, requestState: first.body.result!.requestState });
  assert.equal(again.body.result?.resultType, 'input_required', JSON.stringify(again.body));
  assert.deepEqual(Object.keys(again.body.result!.inputRequests!), ['user_name']);
  assert.notEqual(again.body.result!.requestState, first.body.result!.requestState);
  // The old round's state is stale now.
  const stale = await call(proxy, 3, ELICIT_TOOL, { inputResponses: { user_name: accept({ name: 'Bob' }) }, requestState: first.body.result!.requestState });
  assert.equal(stale.body.error?.code, -32602, JSON.stringify(stale.body));
  const done = await call(proxy, 4, ELICIT_TOOL, { inputResponses: { user_name: accept({ name: 'Bob' }) }, requestState: again.body.result!.requestState });
  assert.equal(done.body.result?.content?.[0]?.text, 'Hello, Bob!', JSON.stringify(done.body));
});

test('an input request the client did not declare fails the call with 400 -32021 naming the capability', async (t) => {
  const proxy = await startStack(t);
  const refused = await call(proxy, 7, 'test_input_required_result_sampling', {}, { elicitation: {} });
  assert.equal(refused.status, 400);
  assert.equal(refused.body.id, 7);
  assert.equal(refused.body.error?.code, -32021, JSON.stringify(refused.body));
  assert.deepEqual(refused.body.error?.data?.requiredCapabilities, { sampling: {} });
});

test('a client that never retries: after mrtr.holdTimeout the backend gets an error and the state expires; answers sent up front complete a new call at once', async (t) => {
  const proxy = await startStack(t, { holdTimeout: '300ms' });
  const first = await call(proxy, 1, ELICIT_TOOL);
  assert.equal(first.body.result?.resultType, 'input_required');
  await waitForLimitHit(proxy.origin, 'mrtr.holdTimeout');
  await waitForMetric(proxy.origin, 'frontdoor_input_calls_total', { route: '/', outcome: 'expired' }, (v) => v === 1);
  await proxy.waitForLine((l) => l.code === 'ERR_INPUT_TIMEOUT' && typeof l.errorId === 'string');
  // The state's own expiry equals the hold's: a retry now is refused as expired, never resumed.
  const late = await call(proxy, 2, ELICIT_TOOL, { inputResponses: { user_name: accept({ name: 'Carol' }) }, requestState: first.body.result!.requestState });
  assert.equal(late.body.error?.code, -32602, JSON.stringify(late.body));
  // Sent up front, the answer is used when the backend asks, so the call completes in one round trip.
  const upfront = await call(proxy, 3, ELICIT_TOOL, { inputResponses: { user_name: accept({ name: 'Carol' }) } });
  assert.equal(upfront.body.result?.content?.[0]?.text, 'Hello, Carol!', JSON.stringify(upfront.body));
});

test('mrtr.maxRounds bounds the rounds of one call: past it the call fails and the limit is counted', async (t) => {
  const proxy = await startStack(t, { maxRounds: 1 });
  const first = await call(proxy, 1, 'test_input_required_result_multi_round');
  assert.equal(first.body.result?.resultType, 'input_required');
  const second = await call(proxy, 2, 'test_input_required_result_multi_round', {
    inputResponses: { step1: accept({ name: 'Dana' }) },
    requestState: first.body.result!.requestState,
  });
  assert.ok(second.body.error, JSON.stringify(second.body));
  assert.equal(second.body.error.data?.code, 'ERR_INPUT_CAPACITY');
  await waitForLimitHit(proxy.origin, 'mrtr.maxRounds');
});

test('two calls of one identity at once each get their own seat, and the answers never cross', async (t) => {
  const proxy = await startStack(t);
  const [a, b] = await Promise.all([call(proxy, 1, ELICIT_TOOL), call(proxy, 1, ELICIT_TOOL)]);
  assert.notEqual(a.body.result!.requestState, b.body.result!.requestState);
  const [da, db] = await Promise.all([
    call(proxy, 2, ELICIT_TOOL, { inputResponses: { user_name: accept({ name: 'Ann' }) }, requestState: a.body.result!.requestState }),
    call(proxy, 2, ELICIT_TOOL, { inputResponses: { user_name: accept({ name: 'Ben' }) }, requestState: b.body.result!.requestState }),
  ]);
  assert.equal(da.body.result?.content?.[0]?.text, 'Hello, Ann!');
  assert.equal(db.body.result?.content?.[0]?.text, 'Hello, Ben!');
  assert.equal(metricValue(await readMetrics(proxy.origin), 'frontdoor_route_sessions', { route: '/', face: 'modern' }), 2);
});
