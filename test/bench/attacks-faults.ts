// Faulty backends and malformed input: a request never answered, 200k-deep JSON, an HTML error page
// with an internal URL, a 2 MB answer in the POST body, and SIGTERM with calls in flight.
import { rawSession, post } from '../helpers/http.js';
import { callTool, resultText, rpc } from '../helpers/rpc.js';
import { metricValue, readMetrics } from '../helpers/metrics.js';
import { within, withStack, type Attack } from './attack-stack.js';

const IDLE_SECONDS = 3;

export const neverAnswered: Attack = {
  name: 'never-answered',
  run: () =>
    withStack(['--idle-timeout', `${IDLE_SECONDS}s`], async ({ proxy, fixture }) => {
      const sid = await rawSession(proxy.url);
      const gone = new AbortController();
      const pending = fetch(proxy.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-session-id': sid,
          'mcp-protocol-version': '2025-06-18',
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'hang', arguments: {} } }),
        signal: gone.signal,
      })
        .then((r) => r.text())
        .catch(() => undefined);
      await fixture.waitForLine((l) => l.received === 'tools/call' && (l.params as { name?: string })?.name === 'hang');
      gone.abort();
      await pending;
      // Five idle timeouts, polled: the session should be gone after one (plus the sweep).
      const deadline = Date.now() + 5 * IDLE_SECONDS * 1000;
      let sessions: number | undefined;
      while (Date.now() < deadline) {
        sessions = metricValue(await readMetrics(proxy.origin), 'frontdoor_sessions');
        if (sessions === 0) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      const waited = 5 * IDLE_SECONDS;
      return [
        {
          attack: `request the backend never answers; client leaves (idle timeout ${IDLE_SECONDS} s)`,
          measured: `session alive after ${waited} s? backend got notifications/cancelled?`,
          figure: `${sessions === 0 ? 'session expired' : `session still alive after ${waited} s`}; cancelled ${fixture.lines.some((l) => l.includes('"received":"notifications/cancelled"')) ? 'sent' : 'never sent'}`,
        },
      ];
    }),
};

export const deepJson: Attack = {
  name: 'deep-json',
  run: () =>
    withStack([], async ({ proxy }) => {
      const sid = await rawSession(proxy.url);
      const deep = '['.repeat(200_000) + ']'.repeat(200_000);
      const h = { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-06-18' };
      const shapes: Record<string, string> = {
        'bare array': deep,
        'tools/call with deep params': `{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"echo","arguments":{"d":${deep}}}}`,
      };
      const figures: string[] = [];
      for (const [what, body] of Object.entries(shapes)) {
        const r = await post(proxy.url, body, h);
        const j = JSON.parse(await r.text()) as { error?: { code?: number; data?: { code?: string } } };
        figures.push(`${what}: ${r.status} ${j.error?.code ?? ''} ${j.error?.data?.code ?? ''}`.trim());
      }
      return [{ attack: '200k-deep JSON POSTed on a live session', measured: 'status, JSON-RPC code, error code', figure: figures.join('; ') }];
    }),
};

export const htmlError: Attack = {
  name: 'html-error',
  run: () =>
    withStack([], async ({ proxy }) => {
      const sid = await rawSession(proxy.url);
      const r = await callTool(proxy.url, sid, 1, 'html_error', {});
      const wire = JSON.stringify(r.response?.error ?? r.messages);
      const leaks = [wire.includes('<html') ? 'the HTML' : '', wire.includes('internal.example') ? 'the internal URL' : ''].filter(Boolean).join(' and ');
      return [
        {
          attack: 'backend answers 500 with an HTML page naming an internal URL',
          measured: 'what the client sees',
          figure: `HTTP ${r.status}; client sees ${leaks || 'neither HTML nor URL'}: "${String(r.response?.error?.message ?? '').slice(0, 140)}"`,
        },
      ];
    }),
};

export const postAnswer: Attack = {
  name: 'post-answer',
  run: () =>
    withStack([], async ({ proxy }) => {
      const sid = await rawSession(proxy.url);
      const r = await callTool(proxy.url, sid, 1, 'post_answer', { bytes: 2_000_000 }, { timeoutMs: 15_000 }).catch((e: Error) => e);
      const figure =
        r instanceof Error
          ? `no answer within 15 s (${r.name})`
          : r.response?.error
            ? `error ${r.response.error.data?.code}`
            : `${resultText(r.response).length === 2_000_000 ? 'intact' : 'damaged'}: ${resultText(r.response).length} chars`;
      return [{ attack: 'backend answers a 2 MB result in the POST body', measured: 'does the client get it intact?', figure }];
    }),
};

export const sigtermDrain: Attack = {
  name: 'sigterm-drain',
  run: () =>
    withStack([], async ({ proxy, fixture }) => {
      const sid = await rawSession(proxy.url);
      const call = rpc(proxy.url, sid, 1, 'tools/call', { name: 'slow_progress', arguments: { ms: 2000, every: 5000 } }, { timeoutMs: 20_000 }).catch(
        (e: Error) => e,
      );
      await fixture.waitForLine((l) => l.received === 'tools/call');
      process.kill(proxy.pid, 'SIGTERM');
      const r = await within(call, 20_000);
      const figure =
        r === 'timeout'
          ? 'no answer'
          : r instanceof Error
            ? `failed: ${r.message.slice(0, 80)}`
            : r.response?.error
              ? `failed: ${r.response.error.data?.code ?? r.response.error.message}`
              : `completed (${resultText(r.response)})`;
      return [{ attack: 'SIGTERM with a 2 s call in flight (memory store)', measured: 'the in-flight call', figure }];
    }),
};
