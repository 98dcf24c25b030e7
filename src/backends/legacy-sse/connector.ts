// One connector per route with an SSE backend: owns the keep-alive pool every channel of the route
// shares. A stream holds its socket for hours and never times out on a quiet body.
import type { Logger } from 'pino';
import type { BackendConnector, Channel, ChannelContext, ChannelHandlers, MessageLimits } from '../channel.js';
import { backendUrlOf } from '../../config/backend-url.js';
import type { BackendConfig } from '../../config/schema.js';
import { safeUrl } from '../../observability/logger.js';
import { openLegacySseChannel } from './open-channel.js';
import { createBackendHttpClient } from '../http-client.js';
import { discoverSsePath, needsDiscovery } from './discover-path.js';

const POST_TIMEOUT_MS = 60_000;

export function createLegacySseConnector(
  backend: BackendConfig,
  log: Logger,
  onRepair: (reason: string, detail: Record<string, unknown>) => void,
  opts: { discoverPath: boolean; limits: MessageLimits },
): BackendConnector {
  const configured = backendUrlOf(backend);
  const http = createBackendHttpClient({ keepAliveMs: 30_000 });
  let resolved: Promise<URL> | undefined;

  /** The backend URL, found by probing once when it was configured without a path. */
  const backendUrl = (): Promise<URL> => {
    if (!opts.discoverPath || !needsDiscovery(configured)) return Promise.resolve(configured);
    resolved ??= discoverSsePath(configured, http, backend.headers, log).then(
      (found) => {
        if (!found) {
          log.warn(
            { reason: 'backend_path_unknown', backend: safeUrl(configured) },
            `backend URL ${safeUrl(configured)} has no path and no legacy SSE endpoint answers at /sse or /; using it as given`,
          );
          return configured;
        }
        onRepair('backend_path_discovered', { configured: safeUrl(configured), found: safeUrl(found), hint: `configure url: ${safeUrl(found)}` });
        return found;
      },
      (e: unknown) => {
        resolved = undefined; // the backend is down: probe again on the next connect
        throw e;
      },
    );
    return resolved;
  };

  return {
    description: `sse ${safeUrl(configured)}`,
    async connect(handlers: ChannelHandlers, context: ChannelContext = {}): Promise<Channel> {
      const url = await backendUrl().catch(() => configured);
      return openLegacySseChannel(
        {
          url,
          headers: backend.headers,
          connectTimeoutMs: backend.timeouts.connect,
          http,
          postTimeoutMs: POST_TIMEOUT_MS,
          log,
          onRepair,
          ...opts.limits,
          ...(context.credentials ? { credentials: context.credentials } : {}),
        },
        handlers,
      );
    },
    async dispose() {
      http.destroy();
    },
  };
}
