// Bounded fuzzing of a real proxy in front of the legacy SSE fixture: ≥ 10,000 random requests
// (JSON-RPC valid and broken, batches, deep nesting, bad UTF-8, every method, path and header
// variant, valid / garbage / other-route sessions) in at most 30 s. Whatever comes in, the proxy
// answers with a 4xx or a JSON-RPC-shaped 502/503/504, never a 500, never crashes or leaks an
// unhandled rejection, keeps its memory bounded, and a session opened before the storm still works.
// A share of the requests are 2026-07-28 ones (test/helpers/fuzz-modern.ts); an SDK v2 client in the
// modern era keeps working during and after the storm.
// Replay a failure with FUZZ_SEED=<seed printed in the message>.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startFixture, startProxy, stopAll, type RunningProxy } from '../helpers/process.js';
import { connectStreamable, textOf } from '../helpers/clients.js';
import { connectModern } from '../helpers/modern.js';
import { metricValue, readMetrics } from '../helpers/metrics.js';
import { initializeBody, rawSession } from '../helpers/http.js';
import { openLegacy, type SseReader } from '../helpers/sse-reader.js';
import { createRng, seedFrom } from '../helpers/prng.js';
import { describeRequest, generateRequest, type FuzzRequest, type FuzzSessions } from '../helpers/fuzz-requests.js';
import { deepJson } from '../helpers/fuzz-bodies.js';
import { jsonOf, rawRequest, type RawOutcome } from '../helpers/raw-http.js';

const SEED = seedFrom(process.env.FUZZ_SEED);
const MIN_REQUESTS = 10_000;
const SEND_BUDGET_MS = 30_000;
const CONCURRENCY = 16;
/** No single exchange is waited on longer than this (a timed-out one is cut and judged). */
const EXCHANGE_TIMEOUT_MS = 4_000;
/** Sessions re-created when the fuzz itself ends one (a DELETE, a legacy stream closed). */
const MAX_SESSION_REPLACEMENTS = 400;
const RSS_LIMIT_BYTES = 300 * 1024 * 1024;

after(() => stopAll());

const withSeed = (msg: string) => `${msg}\n(replay with FUZZ_SEED=${SEED})`;

function rssOf(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) * 1024;
}

/** Accept admits an event stream (a missing Accept counts as any type). */
function admitsEventStream(accept: string | undefined): boolean {
  if (accept === undefined || accept.trim() === '') return true;
  return accept.split(',').some((t) => ['text/event-stream', '*/*', 'text/*'].includes(t.split(';')[0]!.trim().toLowerCase()));
}

/** What is wrong with one exchange, or undefined when it is acceptable. */
function verdict(r: FuzzRequest, o: RawOutcome): string | undefined {
  if (o.kind === 'timeout') {
    // An event stream may legitimately stay open (or wait for its first event) past our patience.
    if (o.sse || (o.status === undefined && admitsEventStream(r.headers.accept) && (r.method === 'GET' || r.method === 'POST'))) return undefined;
    return `no complete answer within ${EXCHANGE_TIMEOUT_MS} ms (status ${o.status ?? 'none'})`;
  }
  if (o.kind === 'error') {
    // A request refused before its body is read may see its connection reset under the answer
    // (closing a socket with unread input sends RST); without a body there is no such excuse.
    if (o.status === undefined && !(r.body && r.body.bytes.length > 0)) return `connection failed before any answer: ${o.error}`;
    return undefined;
  }
  const status = o.status!;
  if (status >= 500) {
    if (![502, 503, 504].includes(status)) return `status ${status}: ${o.body.slice(0, 300)}`;
    const code = jsonOf(o)?.error?.data?.code;
    if (typeof code !== 'string') return `status ${status} without a JSON-RPC error carrying error.data.code: ${o.body.slice(0, 300)}`;
  }
  if (status >= 400 && o.body.length > 0 && jsonOf(o) === undefined)
    return `status ${status} with a body that is not JSON: ${JSON.stringify(o.body.slice(0, 300))}`;
  return undefined;
}

async function twoRouteProxy(backendUrl: string): Promise<RunningProxy> {
  const dir = mkdtempSync(path.join(tmpdir(), 'frontdoor-fuzz-'));
  const file = path.join(dir, 'fuzz.yaml');
  writeFileSync(
    file,
    // Low seat bound and short hold: the modern share opens seats for random identities and holds
    // calls that ask for input; past the bounds they cost a 503 or an expiry, nothing else.
    `listen: { port: 0 }\nsessions: { seats: { max: 12 } }\nmrtr: { holdTimeout: 2s }\nroutes:\n  - path: /\n    backend: { url: "${backendUrl}" }\n  - path: /b\n    backend: { url: "${backendUrl}" }\n`,
  );
  return startProxy(['--config', file]);
}

test(`fuzz: ${MIN_REQUESTS}+ random requests, no 500, no crash, bounded memory, live sessions intact (seed ${SEED})`, { timeout: 90_000 }, async (t) => {
  const backend = await startFixture('legacy-sse-server');
  t.after(() => backend.stop());
  const proxy = await twoRouteProxy(backend.url);
  t.after(() => proxy.stop());
  const port = Number(new URL(proxy.url).port);
  const routeUrl = { '/': proxy.url, '/b': new URL('/b/mcp', proxy.url).href } as const;

  // The witness: an SDK session opened before the storm must come out of it working.
  const witness = await connectStreamable(proxy.url, 'fuzz-witness');
  t.after(() => witness.close());
  assert.equal(textOf(await witness.client.callTool({ name: 'echo', arguments: { text: 'before' } })), 'before');
  // The modern witness: an SDK v2 client (server/discover, no session) calling throughout the storm.
  const modern = await connectModern(proxy.url, { name: 'fuzz-modern-witness', version: '1.0.0' });
  t.after(() => modern.close());
  assert.equal(modern.client.getProtocolEra(), 'modern');
  assert.equal(textOf(await modern.client.callTool({ name: 'echo', arguments: { text: 'modern before' } })), 'modern before');

  // Sessions the fuzzer names as valid: Streamable HTTP on both routes, legacy streams on "/".
  const readers: SseReader[] = [];
  t.after(() => readers.forEach((r) => r.cancel()));
  const openLegacySession = async (): Promise<string> => {
    const { reader, endpoint } = await openLegacy(new URL('/sse', proxy.url).href);
    readers.push(reader);
    // Keep reading: the answers to fuzzed messages arrive on this stream.
    void (async () => {
      for (;;) await reader.next(600_000);
    })().catch(() => undefined);
    return new URL(endpoint).searchParams.get('sessionId')!;
  };
  const pools = {
    mcp: { '/': await Promise.all([1, 2, 3].map(() => rawSession(routeUrl['/']))), '/b': await Promise.all([1, 2].map(() => rawSession(routeUrl['/b']))) },
    legacy: await Promise.all([1, 2].map(() => openLegacySession())),
  };
  const sessions: FuzzSessions = pools;
  let replacements = 0;
  const pending: Array<Promise<unknown>> = [];
  const sessionEnded = (v: NonNullable<FuzzRequest['validSession']>) => {
    const list = v.face === 'mcp' ? pools.mcp[v.route] : pools.legacy;
    const i = list.indexOf(v.id);
    if (i < 0) return;
    list.splice(i, 1);
    if (replacements >= MAX_SESSION_REPLACEMENTS) return;
    replacements++;
    const fresh = v.face === 'mcp' ? rawSession(routeUrl[v.route]) : openLegacySession();
    pending.push(fresh.then((id) => list.push(id)).catch(() => undefined));
  };

  const rng = createRng(SEED);
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  t.after(() => agent.destroy());
  const tally = new Map<string, number>();
  const count = (key: string) => tally.set(key, (tally.get(key) ?? 0) + 1);
  const failures: string[] = [];
  let sent = 0;
  const stopAt = Date.now() + SEND_BUDGET_MS;

  const worker = async () => {
    while (sent < MIN_REQUESTS && Date.now() < stopAt) {
      const n = sent++;
      const r = generateRequest(rng, port, sessions);
      const o = await rawRequest(
        { method: r.method, path: r.path, headers: r.headers, ...(r.body ? { body: r.body.bytes } : {}) },
        { port, agent, timeoutMs: EXCHANGE_TIMEOUT_MS, sse: 'abort' },
      );
      const code = jsonOf(o)?.error?.data?.code;
      count(
        (r.body?.kind.startsWith('modern') ? 'm:' : '') +
          (o.kind === 'response'
            ? `${o.status}${o.sse ? ' sse' : ''}${typeof code === 'string' ? ` ${code}` : ''}`
            : `${o.kind}${o.error ? ` ${o.error}` : ''}${o.sse ? ' sse' : ''}`),
      );
      const wrong = verdict(r, o);
      if (wrong && failures.length < 20) failures.push(`#${n}: ${wrong}\n    request: ${describeRequest(r)}`);
      if (r.validSession && o.status === 404 && (code === 'ERR_SESSION_NOT_FOUND' || code === 'ERR_SESSION_CLOSED')) sessionEnded(r.validSession);
    }
  };
  // One modern call at a time, paced, while the workers run: every one must succeed.
  let fuzzing = true;
  const modernFailures: string[] = [];
  let modernCalls = 0;
  const modernWitness = async () => {
    while (fuzzing) {
      const text = `modern ${modernCalls}`;
      try {
        const got = textOf(await modern.client.callTool({ name: 'echo', arguments: { text } }));
        if (got !== text) modernFailures.push(`call ${modernCalls}: got ${JSON.stringify(got)}`);
      } catch (e) {
        modernFailures.push(`call ${modernCalls}: ${(e as Error).message}`);
      }
      modernCalls++;
      await new Promise((r) => setTimeout(r, 250)); // pacing of the live client, not a wait for anything
    }
  };
  const witnessing = modernWitness();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  fuzzing = false;
  await witnessing;
  await Promise.all(pending);
  const rss = rssOf(proxy.pid);
  const metrics = await readMetrics(proxy.origin);
  const inputs = ['completed', 'expired', 'failed', 'cancelled'].map((o) => `${o} ${metricValue(metrics, 'frontdoor_input_calls_total', { outcome: o }) ?? 0}`);
  const summary = `sent ${sent}; modern witness calls ${modernCalls}; input rounds ${metricValue(metrics, 'frontdoor_input_rounds_total') ?? 0}, calls ${inputs.join(', ')}; outcomes ${JSON.stringify(Object.fromEntries([...tally].sort()))}; sessions replaced ${replacements}; proxy RSS ${Math.round(rss / 1048576)} MB`;
  t.diagnostic(`seed ${SEED}: ${summary}`);

  assert.deepEqual(failures, [], withSeed(`bad answers (first ${failures.length}):\n${failures.join('\n')}\n${summary}`));
  assert.ok(sent >= MIN_REQUESTS, withSeed(`only ${sent} requests were sent in ${SEND_BUDGET_MS} ms; ${summary}`));
  assert.equal(proxy.child.exitCode, null, withSeed(`the proxy exited (${proxy.child.exitCode}); stderr:\n${proxy.stderr.join('').slice(-2000)}`));
  assert.equal(proxy.child.signalCode, null, withSeed(`the proxy was killed by ${proxy.child.signalCode}`));
  const health = await rawRequest({ method: 'GET', path: '/healthz' }, { port });
  assert.equal(health.status, 200, withSeed(`/healthz after the fuzz: ${health.kind} ${health.status} ${health.error ?? ''}`));
  const crashes = proxy.lines.filter((l) => /"reason":"(uncaught_exception|unhandled_rejection)"/.test(l));
  assert.deepEqual(crashes.slice(0, 5), [], withSeed(`${crashes.length} uncaught exceptions / unhandled rejections were logged`));
  assert.ok(rss < RSS_LIMIT_BYTES, withSeed(`proxy RSS after the fuzz is ${Math.round(rss / 1048576)} MB (limit ${RSS_LIMIT_BYTES / 1048576} MB)`));
  assert.equal(
    textOf(await witness.client.callTool({ name: 'echo', arguments: { text: 'after the storm' } })),
    'after the storm',
    withSeed('the witness session'),
  );
  assert.deepEqual(modernFailures.slice(0, 5), [], withSeed(`the modern witness failed ${modernFailures.length} of ${modernCalls} calls during the storm`));
  assert.ok(modernCalls > 0, withSeed('the modern witness made no call during the storm'));
  assert.equal(
    textOf(await modern.client.callTool({ name: 'echo', arguments: { text: 'modern after the storm' } })),
    'modern after the storm',
    withSeed('the modern witness after the storm'),
  );
});

test('deeply nested JSON is refused with 400 and a JSON-RPC parse error (-32700), whatever the depth', { timeout: 60_000 }, async (t) => {
  const backend = await startFixture('legacy-sse-server');
  t.after(() => backend.stop());
  const proxy = await startProxy(['--backend', backend.url]);
  t.after(() => proxy.stop());
  const port = Number(new URL(proxy.url).port);
  const session = await rawSession(proxy.url);
  const { reader, endpoint } = await openLegacy(new URL('/sse', proxy.url).href);
  t.after(() => reader.cancel());
  const init = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: initializeBody(1, '2024-11-05') });
  assert.equal(init.status, 202);
  await reader.message();
  const rng = createRng(SEED);
  const mcpHeaders = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  const cases: Array<{ name: string; path: string; headers: Record<string, string>; body: string }> = [];
  for (const depth of [5_000, 200_000]) {
    const params = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    const call = `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":${params}}`;
    cases.push(
      {
        name: `${depth}-deep params on a session`,
        path: '/mcp',
        headers: { ...mcpHeaders, 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' },
        body: call,
      },
      { name: `${depth}-deep body without a session`, path: '/mcp', headers: mcpHeaders, body: deepJson(rng, depth) },
      {
        name: `${depth}-deep params on the legacy face`,
        path: new URL(endpoint).pathname + new URL(endpoint).search,
        headers: { 'content-type': 'application/json' },
        body: call,
      },
    );
  }
  for (const c of cases) {
    const o = await rawRequest({ method: 'POST', path: c.path, headers: c.headers, body: c.body }, { port, timeoutMs: 10_000 });
    assert.equal(o.status, 400, withSeed(`${c.name}: ${o.kind} ${o.status} ${o.body.slice(0, 300)}`));
    const body = jsonOf(o);
    assert.equal(body?.error?.code, -32700, withSeed(`${c.name}: ${o.body.slice(0, 300)}`));
    assert.equal(typeof body?.error?.data?.code, 'string', withSeed(`${c.name}: ${o.body.slice(0, 300)}`));
  }
  assert.equal(proxy.child.exitCode, null);
});
