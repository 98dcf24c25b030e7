// The URL of a route's HTTP backend, read at run time (light: no schema, so serving never loads zod).
import type { BackendConfig } from './schema.js';

/** The URL of an HTTP backend (validated present for sse and streamable-http). */
export function backendUrlOf(backend: BackendConfig): URL {
  if (!backend.url) throw new Error(`a ${backend.transport} backend has no url`);
  return new URL(backend.url);
}
