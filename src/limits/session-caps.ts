// How many sessions the process can hold at once. limits.maxSessions is the operator's bound; the
// open-file limit is the machine's: every session holds file descriptors (the client's stream, the
// backend's connection or a stdio server's three pipes), and a process out of descriptors cannot
// accept even a health check. So the cap is lowered to what the descriptors can hold, with room kept
// for health checks, keep-alive connections, logs and the store. Pure.
import type { Config } from '../config/schema.js';

/** Descriptors kept free whatever the sessions hold: listeners, logs, the store, probes. */
const RESERVED_FDS = 64;
/** And a share of the rest for client connections that are not sessions' streams. */
const CONNECTION_SHARE = 0.25;

/** Descriptors one session holds: its client stream, plus its backend channel's. */
export function descriptorsPerSession(config: Config): number {
  let backend = 1;
  for (const r of config.routes) {
    // stdio: stdin, stdout and stderr pipes; streamable-http: the GET stream and a POST connection.
    const cost = r.backend.share === 'shared' ? 0 : r.backend.transport === 'stdio' ? 3 : r.backend.transport === 'streamable-http' ? 2 : 1;
    backend = Math.max(backend, cost);
  }
  return 1 + backend;
}

export interface SessionCaps {
  maxSessions: number;
  maxSessionsPerClient: number;
  /** Client connections the server accepts at once (beyond them it refuses, before running out of descriptors). */
  maxConnections: number | undefined;
  /** Set when the open-file limit lowered limits.maxSessions. */
  lowered?: { configured: number; openFiles: number };
}

export function sessionCaps(config: Config, openFiles: number | undefined): SessionCaps {
  const configured = config.limits.maxSessions;
  if (openFiles === undefined) return { maxSessions: configured, maxSessionsPerClient: config.limits.maxSessionsPerClient, maxConnections: undefined };
  const usable = Math.max(0, openFiles - RESERVED_FDS);
  const forSessions = Math.floor(usable * (1 - CONNECTION_SHARE));
  const fit = Math.max(1, Math.floor(forSessions / descriptorsPerSession(config)));
  const maxSessions = Math.min(configured, fit);
  return {
    maxSessions,
    maxSessionsPerClient: Math.min(config.limits.maxSessionsPerClient, maxSessions),
    maxConnections: Math.max(16, openFiles - RESERVED_FDS),
    ...(maxSessions < configured ? { lowered: { configured, openFiles } } : {}),
  };
}
