// Scale-out, counted the way users run it: three replicas, a real redis-server and a plain round-robin
// haproxy in front. Every progress and log notification a call causes, and every server→client request,
// must reach the session that caused it, whichever replica holds the client's streams, on both faces,
// and by the time the call's answer arrives: a client that is done when it has its answer (a one-shot
// CLI, an agent closing the session) never sees what comes later. Counting results alone hid this.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { LoggingMessageNotificationSchema, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { startFixture, stopAll } from '../helpers/process.js';
import { eventually, textOf } from '../helpers/clients.js';
import { counter, startCluster } from '../helpers/cluster.js';
import { rawSession } from '../helpers/http.js';

after(() => stopAll());

const STREAMABLE_SESSIONS = 10;
const LEGACY_SESSIONS = 4;
const CALLS = 3;
const PROGRESS = 2;
const LOGS = 2;
/**
 * The quick tool's pause before each notification and before its answer (so its answer comes 90 ms
 * after its last progress). Shorter than what haproxy holds a chunked stream's bytes for (200 ms), so
 * held progress would share a read with the answer; long enough for a client to read each event alone.
 */
const QUICK_TOOL_DELAY_MS = 30;

interface Counted {
  tag: string;
  client: Client;
  progress: number;
  logs: number;
  /** Log notifications of another session (must stay 0). */
  foreign: number;
  listChanged: number;
  /** Streamable HTTP: a call's answer is a resumable stream, every event with an id. */
  eventIds: boolean;
  /** Calls whose notifications had not all arrived when their answer did: "call i: progress p/2, logs l/2". */
  late: string[];
  /** Answers other than the expected one, and errors. */
  errors: string[];
}

async function connectCounted(transport: Transport, tag: string): Promise<Counted> {
  const client = new Client({ name: tag, version: '1.0.0' }, { capabilities: {} });
  const eventIds = transport instanceof StreamableHTTPClientTransport;
  const c: Counted = { tag, client, progress: 0, logs: 0, foreign: 0, listChanged: 0, eventIds, late: [], errors: [] };
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
    if (String(n.params.data).startsWith(`${tag} `)) c.logs++;
    else c.foreign++;
  });
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => void c.listChanged++);
  await client.connect(transport);
  // Users set a level; the fixture then sends every level at or above it.
  await client.setLoggingLevel('debug');
  return c;
}

/**
 * `CALLS` calls of the chatty tool, one after the other; after each answer every notification of that
 * call must be in. `delayMs`: the tool works that long before each notification and before answering.
 */
async function callChatty(c: Counted, ping: boolean, delayMs = 0): Promise<void> {
  for (let i = 1; i <= CALLS; i++) {
    const ids: string[] = [];
    try {
      const result = await c.client.callTool({ name: 'chatty', arguments: { progress: PROGRESS, logs: LOGS, tag: c.tag, ping, delayMs } }, undefined, {
        timeout: 30_000,
        onprogress: () => c.progress++,
        onresumptiontoken: (id) => ids.push(id),
      });
      // With `ping`, the fixture pings the client mid-call (a server→client request) and says whether the answer came back.
      const expected = `${c.tag} ${ping ? 'pong' : 'done'}`;
      if (textOf(result) !== expected) c.errors.push(textOf(result));
    } catch (e) {
      c.errors.push((e as Error).message);
    }
    if (c.eventIds) {
      // One stream carries the call: its priming event, the progress, the logs and the answer, ids in sequence.
      const stream = ids[0]?.split(':')[0];
      const expected = Array.from({ length: 2 + PROGRESS + LOGS }, (_, k) => `${stream}:${k}`);
      if (ids.join(' ') !== expected.join(' ')) c.errors.push(`call ${i}: event ids ${ids.join(' ')}`);
    }
    if (c.progress !== i * PROGRESS || c.logs !== i * LOGS)
      c.late.push(`call ${i}: progress ${c.progress - (i - 1) * PROGRESS}/${PROGRESS}, logs ${c.logs - (i - 1) * LOGS}/${LOGS}`);
  }
}

function summary(face: string, sessions: Counted[]): string {
  const sum = (k: 'progress' | 'logs' | 'foreign') => sessions.reduce((n, c) => n + c[k], 0);
  const calls = sessions.length * CALLS;
  const withoutLogs = sessions.filter((c) => c.logs === 0).length;
  const lateCalls = sessions.reduce((n, c) => n + c.late.length, 0);
  return (
    `${face}: ${sessions.length - sessions.filter((c) => c.late.length + c.errors.length > 0).length}/${sessions.length} sessions complete; ` +
    `progress ${sum('progress')}/${calls * PROGRESS}, logs ${sum('logs')}/${calls * LOGS}, foreign logs ${sum('foreign')}; ` +
    `calls answered before their notifications ${lateCalls}/${calls}; sessions without any log ${withoutLogs}`
  );
}

function assertComplete(sessions: Counted[]): void {
  for (const c of sessions) {
    assert.deepEqual(
      { session: c.tag, progress: c.progress, logs: c.logs, foreign: c.foreign, late: c.late, errors: c.errors },
      { session: c.tag, progress: CALLS * PROGRESS, logs: CALLS * LOGS, foreign: 0, late: [], errors: [] },
    );
  }
}

function reset(sessions: Counted[]): void {
  for (const c of sessions) Object.assign(c, { progress: 0, logs: 0, late: [], errors: [] });
}

test(
  'three replicas behind round-robin haproxy: every progress, log and server→client request reaches its session, on both faces',
  { timeout: 120_000 },
  async (t) => {
    const backend = await startFixture('legacy-sse-server');
    t.after(() => backend.stop());
    const cluster = await startCluster(backend.url);
    t.after(() => cluster.stop());

    await t.test(`Streamable HTTP: ${STREAMABLE_SESSIONS} sessions at once`, { timeout: 60_000 }, async (st) => {
      const sessions = await Promise.all(
        Array.from({ length: STREAMABLE_SESSIONS }, (_, i) => connectCounted(new StreamableHTTPClientTransport(new URL(`${cluster.lbOrigin}/mcp`)), `s${i}`)),
      );
      st.after(() => Promise.all(sessions.map((c) => c.client.close())));
      // One call at a time: each call's notifications arrive before its answer.
      await Promise.all(sessions.map((c) => callChatty(c, false)));
      console.log(summary('streamable', sessions));
      assertComplete(sessions);

      // Two calls at once in every session: the backend does not say which call a log belongs to, so
      // logs take the GET stream; none may be lost (held through a forwarding replica or not).
      reset(sessions);
      await Promise.all(
        sessions.map((c) =>
          Promise.all(
            [0, 1].map(() =>
              c.client.callTool({ name: 'chatty', arguments: { progress: PROGRESS, logs: LOGS, tag: c.tag } }, undefined, {
                timeout: 30_000,
                onprogress: () => c.progress++,
              }),
            ),
          ),
        ),
      );
      await eventually(() => sessions.every((c) => c.logs >= 2 * LOGS), 'the logs of concurrent calls', 10_000).catch(() => undefined);
      assert.deepEqual(
        sessions.map((c) => [c.tag, c.progress, c.logs, c.foreign]),
        sessions.map((c) => [c.tag, 2 * PROGRESS, 2 * LOGS, 0]),
      );

      // A session-wide notification takes the GET stream: one list_changed per session, to that session only.
      await Promise.all(sessions.map((c) => c.client.callTool({ name: 'add_tool', arguments: { name: `tool_${c.tag}` } })));
      await eventually(() => sessions.every((c) => c.listChanged >= 1), 'list_changed on every GET stream', 10_000).catch(() => undefined);
      assert.deepEqual(
        sessions.map((c) => c.listChanged),
        sessions.map(() => 1),
      );

      // A server→client request mid-call reaches the client and its answer gets back to the backend.
      const pings = await Promise.all(
        sessions.map((c) => c.client.callTool({ name: 'chatty', arguments: { progress: 0, logs: 0, tag: c.tag, ping: true } }, undefined, { timeout: 30_000 })),
      );
      assert.deepEqual(
        pings.map(textOf),
        sessions.map((c) => `${c.tag} pong`),
      );
    });

    await t.test(`legacy SSE: ${LEGACY_SESSIONS} sessions at once, POSTs round-robined to other replicas`, { timeout: 60_000 }, async (st) => {
      const forwardedBefore = await Promise.all(cluster.replicas.map((r) => counter(r.origin, 'frontdoor_forwarded_received_total')));
      const sessions = await Promise.all(
        Array.from({ length: LEGACY_SESSIONS }, (_, i) => connectCounted(new SSEClientTransport(new URL(`${cluster.lbOrigin}/sse`)), `l${i}`)),
      );
      st.after(() => Promise.all(sessions.map((c) => c.client.close())));
      // The tool pings the client after its notifications: answered on every stream, through whichever replica.
      await Promise.all(sessions.map((c) => callChatty(c, true)));
      console.log(summary('legacy, pinging tool', sessions));
      assertComplete(sessions);
      // A quick tool (answers 90 ms after its last progress): the progress must reach the client on its
      // own, not held back by the balancer until it shares a read with the result.
      reset(sessions);
      await Promise.all(sessions.map((c) => callChatty(c, false, QUICK_TOOL_DELAY_MS)));
      console.log(summary('legacy, quick tool', sessions));
      assertComplete(sessions);
      const forwarded = (await Promise.all(cluster.replicas.map((r) => counter(r.origin, 'frontdoor_forwarded_received_total')))).reduce(
        (n, v, i) => n + v - forwardedBefore[i]!,
        0,
      );
      assert.ok(forwarded > 0, 'POSTs were forwarded to the replica holding the stream');
    });

    await t.test('every SSE stream leaves the replicas and the balancer unframed, so no balancer holds its events back', async () => {
      const sessionId = await rawSession(cluster.replicas[0]!.url, '2025-11-25');
      const headers = { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25', accept: 'text/event-stream' };
      // The owner itself, the two replicas that forward to it, and the balancer on both faces.
      const streams = [
        ...cluster.replicas.map((r) => [r.url, headers] as const),
        [`${cluster.lbOrigin}/mcp`, headers] as const,
        [`${cluster.lbOrigin}/sse`, { accept: 'text/event-stream' }] as const,
      ];
      for (const [url, h] of streams) {
        const ac = new AbortController();
        const res = await fetch(url, { headers: h, signal: ac.signal });
        const framing = { url, status: res.status, transferEncoding: res.headers.get('transfer-encoding'), contentLength: res.headers.get('content-length') };
        ac.abort();
        assert.deepEqual(framing, { url, status: 200, transferEncoding: null, contentLength: null });
      }
    });
  },
);
