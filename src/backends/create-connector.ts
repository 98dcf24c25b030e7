// Picks the backend family for a route's transport. Each family lives in its own folder and meets
// the rest of the proxy only through BackendConnector / Channel (docs/architecture.md, The shape).
// Sharing is not a transport concern: a shared route's sessions are members of one link (src/link/).
import type { Logger } from 'pino';
import type { BackendConnector, MessageLimits } from './channel.js';
import type { BackendConfig } from '../config/schema.js';
import { createLegacySseConnector } from './legacy-sse/connector.js';
import { createStreamableHttpConnector } from './streamable-http/connector.js';
import { createStdioConnector } from './stdio/connector.js';

export type RepairReporter = (reason: string, detail: Record<string, unknown>) => void;

export interface ConnectorOptions {
  discoverPath: boolean;
  limits: MessageLimits;
  /** limits.requestTimeout: how long a 2026-07-28 backend's request (with its input rounds) may take. */
  requestTimeoutMs: number;
}

export function createConnector(backend: BackendConfig, log: Logger, onRepair: RepairReporter, opts: ConnectorOptions): BackendConnector {
  switch (backend.transport) {
    case 'sse':
      return createLegacySseConnector(backend, log, onRepair, opts);
    case 'streamable-http':
      return createStreamableHttpConnector(backend, log, onRepair, opts.limits, opts.requestTimeoutMs);
    case 'stdio':
      return createStdioConnector(backend, log, onRepair, opts.limits);
  }
}
