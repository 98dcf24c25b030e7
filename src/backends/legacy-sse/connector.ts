// One connector per route with an SSE backend: owns the connection pools every channel of the route
// shares. Streams and POSTs use separate pools: a stream holds its socket for hours and must never
// time out on a quiet body (undici's 300 s bodyTimeout default kills idle MCP streams, spec notes §6).
import { Agent } from 'undici';
import type { Logger } from 'pino';
import type { BackendConnector, Channel, ChannelHandlers } from '../channel.js';
import type { BackendConfig } from '../../config/schema.js';
import { safeUrl } from '../../observability/logger.js';
import { openLegacySseChannel } from './channel.js';

const POST_TIMEOUT_MS = 60_000;

export function createLegacySseConnector(
  backend: BackendConfig,
  log: Logger,
  onRepair: (reason: string, detail: Record<string, unknown>) => void,
): BackendConnector {
  const url = new URL(backend.url);
  const streamDispatcher = new Agent({ headersTimeout: backend.timeouts.connect, bodyTimeout: 0, connectTimeout: backend.timeouts.connect });
  const postDispatcher = new Agent({
    headersTimeout: POST_TIMEOUT_MS,
    bodyTimeout: POST_TIMEOUT_MS,
    connectTimeout: backend.timeouts.connect,
    keepAliveTimeout: 30_000,
  });
  return {
    description: `sse ${safeUrl(url)}`,
    connect(handlers: ChannelHandlers): Promise<Channel> {
      return openLegacySseChannel(
        { url, headers: backend.headers, connectTimeoutMs: backend.timeouts.connect, streamDispatcher, postDispatcher, log, onRepair },
        handlers,
      );
    },
    async dispose() {
      await Promise.allSettled([streamDispatcher.destroy(), postDispatcher.destroy()]);
    },
  };
}
