// The Streamable HTTP probe: POST `initialize` as Claude Code, Cursor and VS Code do; when it is
// answered, (deep) check whether the server requires `notifications/initialized`, then DELETE the
// session so the probe leaves nothing behind. Each request is bounded by the timeout and carries
// the user's `--header`s.
import type { JsonRpcMessage, JsonRpcResponse } from '../../jsonrpc/message.js';
import { checkInitialized, INITIALIZE, serverIdentityOf, type CallFailure } from './handshake.js';
import { ExchangeFailure, exchange, withTimeout } from './http-exchange.js';
import { postRpc, type PostOutcome } from './post-rpc.js';
import type { StreamableProbe } from './probe-results.js';

export interface ProbeOptions {
  timeoutMs: number;
  /** Also check `initialized` strictness (the nearby paths get the short probe when the URL works). */
  deep: boolean;
  /** Sent on every request (`--header`, or the one header a guard probe changes). */
  headers: Record<string, string>;
}

export async function probeStreamable(url: URL, opts: ProbeOptions): Promise<StreamableProbe> {
  const probe: StreamableProbe = { ok: false, redirects: [] };
  let init: PostOutcome;
  try {
    init = await withTimeout(opts.timeoutMs, (signal) => postRpc(url, INITIALIZE, opts.headers, signal, probe.redirects));
  } catch (e) {
    if (e instanceof ExchangeFailure) return { ...probe, failure: e.failure };
    throw e;
  }
  if (init.answer) probe.answer = init.answer;
  if (init.endpointEvent) probe.endpointEventOnPost = true;
  if (init.response?.error) probe.rpcError = { code: init.response.error.code, message: init.response.error.message };
  const server = serverIdentityOf(init.response);
  if (!server || init.status >= 300) return probe;

  probe.ok = true;
  probe.server = server;
  if (init.format) probe.answerFormat = init.format;
  probe.sessionId = init.sessionId !== undefined;
  const headers: Record<string, string> = { ...opts.headers, 'mcp-protocol-version': server.protocolVersion };
  if (init.sessionId) headers['mcp-session-id'] = init.sessionId;
  const target = init.finalUrl;

  const send = (message: JsonRpcMessage) =>
    withTimeout(opts.timeoutMs, (signal) => postRpc(target, message, headers, signal, probe.redirects)).catch((e: unknown) => {
      if (e instanceof ExchangeFailure) return e.failure;
      throw e;
    });
  if (opts.deep) {
    probe.initialized = await checkInitialized(
      async (request): Promise<JsonRpcResponse | CallFailure> => {
        const out = await send(request);
        if ('code' in out) return { problem: out.message, sessionGone: false, timedOut: out.code === 'timeout' };
        if (out.response) return out.response;
        // Spec 2025-06-18 §Session Management: a server that ended a session answers 404 for it; python's
        // session manager and the SDK examples answer 400 naming the session (docs/quirks.md, Servers).
        const what = out.streamEnded ? 'its SSE answer stream ended without a response' : `HTTP ${out.status} ${out.answer?.snippet ?? ''}`.trim();
        const gone = out.status === 404 || (out.status === 400 && /session/i.test(out.answer?.snippet ?? ''));
        return { problem: what, sessionGone: gone, timedOut: false };
      },
      async (notification) => void (await send(notification)),
    );
  }
  if (init.sessionId) {
    // Ends the session (spec 2025-06-18 §Session Management); 405 means the server keeps no explicit end.
    const status = await withTimeout(opts.timeoutMs, async (signal) => {
      const ex = await exchange(target, { method: 'DELETE', headers, signal }, []);
      ex.body.destroy();
      return ex.status;
    }).catch(() => undefined);
    if (status !== undefined) probe.deleteStatus = status;
  }
  return probe;
}
