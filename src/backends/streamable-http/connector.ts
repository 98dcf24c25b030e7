// Placeholder until the Streamable HTTP backend lands: a clear start-up error rather than a crash.
import type { Logger } from 'pino';
import type { BackendConnector } from '../channel.js';
import type { BackendConfig } from '../../config/schema.js';
import { ProxyError } from '../../errors/proxy-error.js';

export function createStreamableHttpConnector(_backend: BackendConfig, _log: Logger, _onRepair: (reason: string, detail: Record<string, unknown>) => void): BackendConnector {
  return {
    description: 'streamable-http (not yet supported)',
    connect: () => Promise.reject(new ProxyError('ERR_BACKEND_UNAVAILABLE', 'transport_not_supported', 'the streamable-http backend transport is not supported yet')),
    dispose: async () => undefined,
  };
}
