// The pure parts of tracing: W3C Trace Context parsing, what a client's context becomes on its way to
// the backend, the OTel environment against the config, and the span attributes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatTraceparent, parseTraceparent, validTracestate } from '../../src/observability/tracing/trace-context.js';
import { headerTrace, messageTrace, passThrough } from '../../src/observability/tracing/client-context.js';
import { tracingSettings } from '../../src/observability/tracing/tracing-settings.js';
import { backendAttributes, backendOutcome, clientOutcome, requestAttributes, spanName } from '../../src/observability/tracing/span-attributes.js';
import { ProxyError } from '../../src/errors/proxy-error.js';
import type { JsonRpcRequest } from '../../src/jsonrpc/message.js';

const TID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SID = '00f067aa0ba902b7';
const TP = `00-${TID}-${SID}-01`;

test('traceparent: the W3C grammar, and nothing else', () => {
  assert.deepEqual(parseTraceparent(TP), { traceId: TID, spanId: SID, flags: 1 });
  assert.deepEqual(parseTraceparent(`00-${TID}-${SID}-00`), { traceId: TID, spanId: SID, flags: 0 });
  // A later version may append fields after a dash; version 00 may not.
  assert.deepEqual(parseTraceparent(`cc-${TID}-${SID}-01-what-the-future-brings`), { traceId: TID, spanId: SID, flags: 1 });
  for (const bad of [
    `00-${TID}-${SID}-01-extra`,
    `cc-${TID}-${SID}-01x`,
    `ff-${TID}-${SID}-01`,
    `00-${TID.toUpperCase()}-${SID}-01`,
    `00-${'0'.repeat(32)}-${SID}-01`,
    `00-${TID}-${'0'.repeat(16)}-01`,
    `00-${TID}-${SID}-1`,
    `00_${TID}_${SID}_01`,
    `0-${TID}-${SID}-01x`,
    `00-${TID.slice(1)}x-${SID}-01`,
    `${TP}, ${TP}`, // a repeated header, joined by node
    '',
    undefined,
    42,
    ['a'],
  ]) {
    assert.equal(parseTraceparent(bad), undefined, String(bad));
  }
  assert.equal(formatTraceparent(TID, SID, 1), TP);
  assert.equal(formatTraceparent(TID, SID, 0xff), TP, 'version 00 defines only the sampled flag');
});

test('tracestate: members, keys, values, limits', () => {
  assert.equal(validTracestate('rojo=00f067aa0ba902b7,congo=t61rcWkgMzE'), 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE');
  assert.equal(validTracestate('tenant@vendor=v , ,other=x y'), 'tenant@vendor=v , ,other=x y');
  for (const bad of [
    'Rojo=1',
    'a=1,a=2',
    'a=',
    'a=b,c',
    'a=b=c',
    'a=tab\there',
    `${'x'.repeat(600)}=1`,
    Array.from({ length: 33 }, (_, i) => `k${i}=v`).join(','),
    '',
    7,
  ]) {
    assert.equal(validTracestate(bad), undefined, String(bad));
  }
});

const call = (meta?: Record<string, unknown>): JsonRpcRequest => ({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name: 'echo', arguments: {}, ...(meta ? { _meta: meta } : {}) },
});

test('passThrough: a message without context is the same object; the client context is forwarded as sent', () => {
  const plain = call();
  assert.equal(passThrough(plain, undefined), plain);
  const progress = call({ progressToken: 7 });
  assert.equal(passThrough(progress, undefined), progress);
  const own = call({ traceparent: TP, tracestate: 'a=1', progressToken: 7 });
  assert.equal(passThrough(own, headerTrace({ traceparent: `00-${'1'.repeat(32)}-${SID}-01` })), own, "the message's own context wins");
  // The header's context is copied into _meta (the backend never sees the client's headers).
  const header = headerTrace({ traceparent: TP, tracestate: 'a=1' });
  assert.deepEqual(passThrough(progress, header).params?._meta, { progressToken: 7, traceparent: TP, tracestate: 'a=1' });
  assert.deepEqual(progress.params?._meta, { progressToken: 7 }, 'the original is not modified');
});

test('passThrough: malformed values are dropped, never an error', () => {
  assert.deepEqual(passThrough(call({ traceparent: 'nonsense', tracestate: 'a=1', progressToken: 7 }), undefined).params?._meta, { progressToken: 7 });
  assert.equal(passThrough(call({ traceparent: 'nonsense' }), undefined).params?._meta, undefined);
  assert.deepEqual(passThrough(call({ traceparent: TP, tracestate: 'A=1' }), undefined).params?._meta, { traceparent: TP });
  assert.deepEqual(passThrough(call({ tracestate: 'a=1' }), undefined).params?._meta, undefined, 'a tracestate without its traceparent');
  assert.deepEqual(passThrough(call({ traceparent: 'nonsense' }), headerTrace({ traceparent: TP })).params?._meta, { traceparent: TP });
  assert.equal(headerTrace({ traceparent: 'nonsense', tracestate: 'a=1' }), undefined);
  assert.equal(headerTrace({ traceparent: TP, tracestate: 'A=1' })?.tracestate, undefined, 'a bad tracestate does not void the traceparent');
  // A notification carries context the same way.
  const note = { jsonrpc: '2.0' as const, method: 'notifications/cancelled', params: { requestId: 1, _meta: { traceparent: 'x' } } };
  assert.deepEqual(passThrough(note, undefined).params, { requestId: 1 });
});

test('messageTrace: the header becomes a link only when _meta names another span', () => {
  const header = headerTrace({ traceparent: TP });
  const other = `00-${'a'.repeat(32)}-${SID}-01`;
  const t = messageTrace(call({ traceparent: other }), header);
  assert.equal(t.parent?.traceparent, other);
  assert.equal(t.transport, header);
  assert.equal(messageTrace(call({ traceparent: TP }), header).transport, undefined);
  assert.equal(messageTrace(call(), header).parent, header);
});

test('settings: the OTel environment wins over observability.tracing', () => {
  const config = { serviceName: 'mcp-frontdoor', sampleRatio: 0.5 };
  assert.deepEqual(tracingSettings({}, config), { enabled: false, reason: 'not_configured', warnings: [] });
  const fromConfig = tracingSettings({}, { ...config, endpoint: 'http://u:pw@collector:4318' });
  assert.ok(fromConfig.enabled);
  assert.equal(fromConfig.url, 'http://u:pw@collector:4318/v1/traces');
  assert.equal(fromConfig.shownUrl, 'http://[redacted]@collector:4318/v1/traces');
  assert.equal(fromConfig.sampleRatio, 0.5);
  const env = tracingSettings(
    { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://env:4318/', OTEL_TRACES_SAMPLER: 'always_on' },
    { ...config, endpoint: 'http://cfg:4318' },
  );
  assert.ok(env.enabled);
  assert.equal(env.url, undefined, 'the exporter reads the environment itself');
  assert.equal(env.shownUrl, 'http://env:4318/v1/traces');
  assert.equal(env.endpointFrom, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  assert.equal(env.sampleRatio, undefined);
  const specific = tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://env:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://t:1/x' }, config);
  assert.ok(specific.enabled);
  assert.equal(specific.shownUrl, 'http://t:1/x');
  const on = { ...config, endpoint: 'http://cfg:4318' };
  assert.deepEqual(tracingSettings({ OTEL_SDK_DISABLED: 'TRUE' }, on), { enabled: false, reason: 'sdk_disabled', warnings: [] });
  assert.deepEqual(tracingSettings({ OTEL_TRACES_EXPORTER: 'none' }, on), { enabled: false, reason: 'exporter_none', warnings: [] });
  assert.equal(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: '' }, config).enabled, false, 'an empty variable is unset');
  assert.equal(tracingSettings({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_TRACES_EXPORTER: 'zipkin' }, on).warnings.length, 2);
});

test('attributes: names from the MCP conventions, bounded client input, errors with their errorId', () => {
  assert.equal(spanName(call()), 'tools/call echo');
  assert.equal(spanName({ jsonrpc: '2.0', id: 1, method: 'tools/list' }), 'tools/list');
  assert.deepEqual(requestAttributes(call(), '2025-11-25'), {
    'mcp.method.name': 'tools/call',
    'gen_ai.tool.name': 'echo',
    'gen_ai.operation.name': 'execute_tool',
    'mcp.protocol.version': '2025-11-25',
  });
  assert.equal(
    requestAttributes({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'x'.repeat(1000) } }, undefined)['gen_ai.tool.name'],
    'x'.repeat(256),
  );
  assert.equal(
    requestAttributes({ jsonrpc: '2.0', id: 1, method: 'resources/read', params: { uri: 'file:///a' } }, undefined)['mcp.resource.uri'],
    'file:///a',
  );
  const b = backendAttributes({ route: '/', face: 'streamable-http', transport: 'sse', backendUrl: new URL('https://k:s@[::1]/sse?key=v') });
  assert.deepEqual(b, {
    'frontdoor.route': '/',
    'frontdoor.backend.transport': 'sse',
    'network.transport': 'tcp',
    'network.protocol.name': 'http',
    'server.address': '::1',
    'server.port': 443,
    'frontdoor.backend.url': 'https://[redacted]@[::1]/sse?key=[redacted]',
  });
  assert.equal(backendAttributes({ route: '/', face: 'legacy-sse', transport: 'stdio', backendUrl: undefined })['network.transport'], 'pipe');

  assert.equal(clientOutcome({ jsonrpc: '2.0', id: 1, result: {} }, undefined).outcome, 'ok');
  assert.deepEqual(clientOutcome({ jsonrpc: '2.0', id: 1, result: { isError: true } }, undefined).attributes, {
    'frontdoor.outcome': 'tool_error',
    'error.type': 'tool_error',
  });
  const err = new ProxyError('ERR_BACKEND_TIMEOUT', 'request_timeout', 'the backend did not answer');
  const out = clientOutcome(err.toJsonRpc(1), err);
  assert.equal(out.attributes['frontdoor.error_id'], err.errorId);
  assert.equal(out.attributes['frontdoor.error_code'], 'ERR_BACKEND_TIMEOUT');
  assert.equal(out.attributes['rpc.response.status_code'], String(err.toJsonRpc(1).error!.code));
  assert.equal(backendOutcome(err.toJsonRpc(1), err).attributes['error.type'], 'request_timeout');
  const backendError = backendOutcome({ jsonrpc: '2.0', id: 1, error: { code: -32602, message: 'bad' } }, undefined);
  assert.deepEqual([backendError.attributes['error.type'], backendError.message], ['-32602', 'bad']);
});
