// One connector per route with an SSE backend: owns the keep-alive pool every channel of the route
// shares. A stream holds its socket for hours and never times out on a quiet body.
import type { Logger } from 'pino';
import type { BackendConnector, Channel, ChannelHandlers } from '../channel.js';
import type { BackendConfig } from '../../config/schema.js';
import { safeUrl } from '../../observability/logger.js';
import { openLegacySseChannel } from './channel.js';
import { createBackendHttpClient } from '../http-client.js';

const POST_TIMEOUT_MS = 60_000;

export function createLegacySseConnector(
  backend: BackendConfig,
  log: Logger,
  onRepair: (reason: string, detail: Record<string, unknown>) => void,
): BackendConnector {
  const url = new URL(backend.url);
  const http = createBackendHttpClient({ keepAliveMs: 30_000 });
  return {
    description: `sse ${safeUrl(url)}`,
    connect(handlers: ChannelHandlers): Promise<Channel> {
      return openLegacySseChannel(
        { url, headers: backend.headers, connectTimeoutMs: backend.timeouts.connect, http, postTimeoutMs: POST_TIMEOUT_MS, log, onRepair },
        handlers,
      );
    },
    async dispose() {
      http.destroy();
    },
  };
}
