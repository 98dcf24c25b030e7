// /metrics of a real proxy driven by real MCP SDK clients: request latency by face, method and tool
// (tool labels only for listed tools within observability.metrics, else _other), backend latency by
// transport, errors, sessions by face, channel states, bytes, and the default process metrics, in a
// valid Prometheus exposition.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { REPO_ROOT, startFixture, startProxy, stopAll, type RunningProxy } from '../helpers/process.js';
import { writeConfigFile } from '../helpers/config-file.js';
import { connectSse, connectStreamable, textOf } from '../helpers/clients.js';
import { readMetrics, waitForMetric } from '../helpers/metrics.js';
import { parseExposition, select, valueOf, type Exposition } from '../helpers/exposition.js';

let proxy: RunningProxy;

before(async () => {
  const sse = await startFixture('legacy-sse-server');
  const streamable = await startFixture('streamable-http-server');
  const config = writeConfigFile({
    listen: { port: 0 },
    log: { level: 'warn', format: 'json' },
    // fail is listed and allowed, but the route's 2 labels go to the first two tools called.
    observability: { metrics: { toolLabels: ['e*', 'add', 'fail'], maxToolLabels: 2 } },
    routes: [
      { path: '/', backend: { transport: 'sse', url: sse.url } },
      { path: '/s', backend: { transport: 'streamable-http', url: streamable.url } },
    ],
  });
  after(() => config.dispose());
  proxy = await startProxy(['--config', config.file]);
});

after(() => stopAll());

const scrape = async (): Promise<Exposition> => parseExposition(await readMetrics(proxy.origin));
const ROOT = { route: '/', face: 'streamable-http' };

test('tools/call latency by tool: listed tools within the budget get a label, every other call is _other', async (t) => {
  const c = await connectStreamable(proxy.url);
  t.after(() => c.close());
  const call = (name: string, args: Record<string, unknown> = {}) => c.client.callTool({ name, arguments: args }).catch((e: unknown) => e);
  await call('echo', { text: 'before any tools/list' }); // the backend has not listed it yet
  await c.client.listTools();
  for (let i = 0; i < 3; i++) assert.equal(textOf(await c.client.callTool({ name: 'echo', arguments: { text: `x${i}` } })), `x${i}`);
  for (let i = 0; i < 2; i++) await call('add', { a: 1, b: i });
  await call('fail'); // listed and in toolLabels: past maxToolLabels
  await call('whoami'); // listed, not in toolLabels
  await call('no_such_tool'); // never listed: a name the client made up
  await c.client.request({ method: 'made/up', params: {} }, z.object({}).passthrough()).catch(() => undefined);

  const e = await scrape();
  const count = (labels: Record<string, string>) => valueOf(e, 'frontdoor_request_duration_seconds_count', { ...ROOT, ...labels });
  assert.equal(count({ method: 'tools/call', tool: 'echo' }), 3);
  assert.equal(count({ method: 'tools/call', tool: 'add' }), 2);
  assert.equal(count({ method: 'tools/call', tool: '_other' }), 4, 'echo before the list, fail, whoami, no_such_tool');
  assert.equal(count({ method: 'initialize' }), 1);
  assert.equal(count({ method: 'tools/list' }), 1);
  assert.equal(count({ method: '_other' }), 1, 'made/up');
  const labelled = select(e, 'frontdoor_request_duration_seconds_count', { route: '/' });
  assert.deepEqual([...new Set(labelled.map((s) => s.labels.tool).filter(Boolean))].sort(), ['_other', 'add', 'echo']);
  assert.ok(!labelled.some((s) => s.labels.method === 'made/up'));

  // The histogram itself: every bucket of the echo series, cumulative, ending at its count.
  const buckets = select(e, 'frontdoor_request_duration_seconds_bucket', { ...ROOT, method: 'tools/call', tool: 'echo' });
  assert.equal(buckets.length, 19, '18 bounds and +Inf');
  assert.equal(buckets.find((b) => b.labels.le === '0.00025')?.labels.le, '0.00025');
  assert.equal(buckets.find((b) => b.labels.le === '300')?.value, 3, 'a quick call is under 5 minutes');
  const sum = valueOf(e, 'frontdoor_request_duration_seconds_sum', { ...ROOT, method: 'tools/call', tool: 'echo' })!;
  assert.ok(sum > 0 && sum < 30, `echo took ${sum} s in all`);

  // fail answers isError (tool_error); no_such_tool an error or a tool error, as the SDK server chooses.
  const errors = select(e, 'frontdoor_request_errors_total', { ...ROOT, method: 'tools/call', tool: '_other' });
  assert.equal(
    errors.reduce((n, s) => n + s.value, 0),
    2,
  );
  assert.ok(errors.some((s) => s.labels.outcome === 'tool_error'));
  assert.equal(valueOf(e, 'frontdoor_request_errors_total', { ...ROOT, method: '_other', outcome: 'error' }), 1);
});

test('backend latency by route and transport; sessions by face; channel states; bytes on both sides', async (t) => {
  const before = await scrape();
  const backendCount = (route: string, transport: string, e: Exposition) =>
    valueOf(e, 'frontdoor_backend_request_duration_seconds_count', { route, transport }) ?? 0;
  const c = await connectStreamable(new URL('/s/mcp', proxy.url).href);
  t.after(() => c.close());
  const legacy = await connectSse(new URL('/sse', proxy.url).href);
  t.after(() => legacy.close());
  for (let i = 0; i < 4; i++) await c.client.callTool({ name: 'echo', arguments: { text: 'streamable' } });
  await legacy.client.listTools();
  await legacy.client.callTool({ name: 'echo', arguments: { text: 'legacy' } });

  const e = await scrape();
  // initialize and 4 calls to the streamable backend; initialize, the list and a call to the sse one.
  assert.ok(backendCount('/s', 'streamable-http', e) - backendCount('/s', 'streamable-http', before) >= 5);
  assert.ok(backendCount('/', 'sse', e) - backendCount('/', 'sse', before) >= 3);
  assert.ok(valueOf(e, 'frontdoor_backend_request_duration_seconds_sum', { route: '/s', transport: 'streamable-http' })! > 0);
  assert.equal(valueOf(e, 'frontdoor_request_duration_seconds_count', { route: '/', face: 'legacy-sse', method: 'tools/call', tool: 'echo' }), 1);
  assert.equal(valueOf(e, 'frontdoor_route_sessions', { route: '/s', face: 'streamable-http' }), 1);
  assert.equal(valueOf(e, 'frontdoor_route_sessions', { route: '/', face: 'legacy-sse' }), 1);
  assert.equal(valueOf(e, 'frontdoor_backend_channels', { route: '/s', state: 'ready' }), 1);
  assert.equal(valueOf(e, 'frontdoor_backend_channels', { route: '/s', state: 'reconnecting' }), 0);
  for (const side of ['client_received', 'client_sent', 'backend_sent', 'backend_received']) {
    const name = `frontdoor_${side}_bytes_total`;
    const grew = (valueOf(e, name, { route: '/s' }) ?? 0) - (valueOf(before, name, { route: '/s' }) ?? 0);
    assert.ok(grew > 4 * 'streamable'.length, `${name} grew by ${grew}`);
  }

  await legacy.close();
  await waitForMetric(proxy.origin, 'frontdoor_route_sessions', { route: '/', face: 'legacy-sse' }, (v) => v === 0);
});

test('the default process metrics and the names that existed before prom-client', async () => {
  const e = await scrape();
  assert.ok(valueOf(e, 'process_resident_memory_bytes')! > 10e6);
  assert.ok(valueOf(e, 'process_cpu_seconds_total')! > 0);
  assert.equal(e.types.get('nodejs_eventloop_lag_seconds'), 'gauge');
  assert.equal(e.types.get('nodejs_eventloop_lag_p99_seconds'), 'gauge');
  assert.ok(valueOf(e, 'process_open_fds')! > 0);
  assert.equal(e.types.get('nodejs_gc_duration_seconds'), undefined, 'left out: a callback per garbage collection (process-metrics.ts)');
  assert.ok(valueOf(e, 'nodejs_heap_used_bytes')! > 0);
  assert.ok(valueOf(e, 'nodejs_external_memory_bytes')! > 0);
  assert.ok(valueOf(e, 'frontdoor_http_connections')! >= 1);
  assert.equal(typeof valueOf(e, 'frontdoor_sessions'), 'number');
  assert.ok(valueOf(e, 'frontdoor_http_requests_total', { face: 'mcp' })! > 0);
  assert.equal(e.types.get('frontdoor_request_duration_seconds'), 'histogram');
  assert.equal(e.types.get('frontdoor_backend_request_duration_seconds'), 'histogram');
});

interface Panel {
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { uid: string };
  targets?: { expr: string; datasource: { uid: string } }[];
}

test('the Grafana dashboard in config/examples reads only metrics this proxy exposes, through ${DS_PROMETHEUS}', async () => {
  const dashboard = JSON.parse(readFileSync(path.join(REPO_ROOT, 'config/examples/grafana-dashboard.json'), 'utf8')) as {
    __inputs: { name: string; pluginId: string }[];
    panels: Panel[];
    templating: { list: { query: { query: string } }[] };
  };
  assert.deepEqual(
    dashboard.__inputs.map((i) => [i.name, i.pluginId]),
    [['DS_PROMETHEUS', 'prometheus']],
  );
  const e = await scrape();
  const familyOf = (name: string) => (e.types.has(name) ? name : name.replace(/_(bucket|count|sum)$/, ''));
  const queries = dashboard.templating.list.map((v) => v.query.query);
  for (const panel of dashboard.panels) {
    assert.ok(panel.gridPos.x + panel.gridPos.w <= 24, `${panel.title} fits the grid`);
    if (panel.type === 'row') continue;
    assert.equal(panel.datasource?.uid, '${DS_PROMETHEUS}', panel.title);
    assert.ok(panel.targets && panel.targets.length > 0, `${panel.title} has queries`);
    for (const target of panel.targets!) {
      assert.equal(target.datasource.uid, '${DS_PROMETHEUS}', panel.title);
      queries.push(target.expr);
    }
  }
  const named = new Set(queries.flatMap((q) => q.match(/\b(?:frontdoor|process|nodejs)_[a-z0-9_]+/g) ?? []));
  assert.ok(named.size >= 20, `the dashboard reads ${named.size} metrics`);
  for (const name of named) assert.ok(e.types.has(familyOf(name)), `${name} is not on /metrics`);
  for (const family of [
    'frontdoor_request_duration_seconds',
    'frontdoor_backend_request_duration_seconds',
    'frontdoor_limit_hits_total',
    'frontdoor_auth_failures_total',
  ]) {
    assert.ok(
      [...named].some((n) => familyOf(n) === family),
      `the dashboard shows ${family}`,
    );
  }
});
