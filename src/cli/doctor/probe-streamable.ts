// The Streamable HTTP probe: POST `initialize` as Claude Code, Cursor and VS Code do; when it is
// answered, (deep) check whether the server requires `notifications/initialized`, then DELETE the
// session so the probe leaves nothing behind. Each request is bounded by the timeout.
import type { JsonRpcMessage } from '../../jsonrpc/message.js';
import { checkInitialized, INITIALIZE, serverIdentityOf } from './handshake.js';
import { ExchangeFailure, exchange, withTimeout } from './http-exchange.js';
import { postRpc, type PostOutcome } from './post-rpc.js';
import type { StreamableProbe } from './probe-results.js';

export interface ProbeOptions {
  timeoutMs: number;
  /** Also check `initialized` strictness (the nearby paths get the short probe when the URL works). */
  deep: boolean;
}

export async function probeStreamable(url: URL, opts: ProbeOptions): Promise<StreamableProbe> {
  const probe: StreamableProbe = { ok: false, redirects: [] };
  let init: PostOutcome;
  try {
    init = await withTimeout(opts.timeoutMs, (signal) => postRpc(url, INITIALIZE, {}, signal, probe.redirects));
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
  const headers: Record<string, string> = { 'mcp-protocol-version': server.protocolVersion };
  if (init.sessionId) headers['mcp-session-id'] = init.sessionId;
  const target = init.finalUrl;

  const send = (message: JsonRpcMessage) =>
    withTimeout(opts.timeoutMs, (signal) => postRpc(target, message, headers, signal, probe.redirects)).catch((e: unknown) => {
      if (e instanceof ExchangeFailure) return e.failure.message;
      throw e;
    });
  if (opts.deep) {
    probe.initialized = await checkInitialized(
      async (request) => {
        const out = await send(request);
        if (typeof out === 'string') return out;
        return out.response ?? `HTTP ${out.status} ${out.answer?.contentType ?? ''} ${out.answer?.snippet ?? ''}`.trim();
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
