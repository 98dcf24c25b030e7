// One connector per route with a Streamable HTTP backend: owns the keep-alive pool every channel of
// the route shares (node:http, not undici: memory budget, see http-client.ts). Opening a channel
// costs nothing: the backend hears of a new session with the first POST, the session's `initialize`,
// so a backend that is down surfaces as that send's rejection (ERR_BACKEND_UNAVAILABLE), which the
// session turns into a 502.
//
// What a backend's answer to a POST means (channel.ts, refusal.ts):
//   202 / 2xx without body    accepted (notifications, responses)
//   200 application/json      the message or batch, handed up before `send` resolves
//   200 text/event-stream     `send` resolves at once; messages are handed up as they arrive
//                             (streams.ts: a stream that ends before its response is resumed with
//                             Last-Event-ID, else that request gets a JSON-RPC error)
//   404/410 (or 400 naming the session) with our Mcp-Session-Id
//                             the backend session is gone: ERR_BACKEND_SESSION_LOST and onClose once,
//                             so the session replays `initialize` on a new channel
//   404 without a session     ERR_BACKEND_REJECTED (wrong URL)
//   401/403                   ERR_BACKEND_AUTH with the upstream status and WWW-Authenticate
//   307/308 same origin       followed, and remembered for later channels (repair backend_redirect_followed)
//   anything else             ERR_BACKEND_REJECTED with the start of the body
//
// A backend that speaks only 2026-07-28 (backend.era, docs/modern-backend.md) is served by the
// channel of ../modern-http/ instead; with `auto` the first channel finds out from `initialize`.
import type { Logger } from 'pino';
import type { BackendConnector, Channel, ChannelContext, ChannelHandlers, MessageLimits } from '../channel.js';
import { backendUrlOf } from '../../config/backend-url.js';
import type { BackendConfig } from '../../config/schema.js';
import { safeUrl } from '../../observability/logger.js';
import { createBackendHttpClient } from '../http-client.js';
import { StreamableHttpChannel } from './channel.js';
import { ModernHttpChannel } from '../modern-http/channel.js';
import { EraProbeChannel } from '../modern-http/era-probe-channel.js';

export function createStreamableHttpConnector(
  backend: BackendConfig,
  log: Logger,
  onRepair: (reason: string, detail: Record<string, unknown>) => void,
  limits: MessageLimits,
  requestTimeoutMs: number,
): BackendConnector {
  const configured = backendUrlOf(backend);
  const http = createBackendHttpClient({ keepAliveMs: 30_000 });
  /** Where the endpoint is: the configured URL until the backend redirects a POST (same origin only). */
  let url = configured;
  /**
   * backend.era auto: what the last probe found. Remembered per connector so that only the first
   * channel pays the refused `initialize`; forgotten when the backend fails, so a backend replaced
   * by a 2025 server is probed again.
   */
  let detected: 'modern' | undefined;

  const modernChannel = (handlers: ChannelHandlers, context: ChannelContext): Channel =>
    new ModernHttpChannel(
      {
        url,
        headers: backend.headers,
        http,
        connectTimeoutMs: backend.timeouts.connect,
        requestTimeoutMs,
        reconnect: { initialMs: backend.reconnect.initialDelay, maxMs: backend.reconnect.maxDelay },
        log,
        ...limits,
        ...(context.credentials ? { credentials: context.credentials } : {}),
        onBackendFailure: () => {
          if (backend.era === 'auto' && detected !== undefined) {
            detected = undefined;
            log.info({ reason: 'backend_era_forgotten' }, 'the 2026-07-28 backend failed; the next channel probes its era again');
          }
        },
      },
      handlers,
    );

  return {
    description: `streamable-http ${safeUrl(configured)}`,
    async connect(handlers: ChannelHandlers, context: ChannelContext = {}): Promise<Channel> {
      if (backend.era === 'modern' || detected === 'modern') return modernChannel(handlers, context);
      const handshake = new StreamableHttpChannel(
        {
          url,
          headers: backend.headers,
          http,
          connectTimeoutMs: backend.timeouts.connect,
          log,
          onRepair,
          ...limits,
          onMoved: (to) => {
            url = to;
          },
          ...(context.credentials ? { credentials: context.credentials } : {}),
        },
        handlers,
      );
      if (backend.era === 'handshake') return handshake;
      return new EraProbeChannel(handshake, () => {
        detected = 'modern';
        log.info({ reason: 'backend_era_detected', era: 'modern' }, 'the backend refused initialize as a 2026-07-28-only server: serving it in modern mode');
        return modernChannel(handlers, context);
      });
    },
    async dispose() {
      http.destroy();
    },
  };
}
