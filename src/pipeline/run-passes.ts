// The edge of every HTTP request as an ordered list of named passes (docs/architecture.md). A pass either
// lets the request continue or decides the reply; it never writes to the socket itself. The runner
// writes the reply, logs which pass answered, and counts it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ProxyError } from '../errors/proxy-error.js';

export interface EdgeRequest {
  req: IncomingMessage;
  res: ServerResponse;
  /** The request path without its query string. */
  path: string;
}

export type Reply =
  | { kind: 'error'; error: ProxyError }
  | { kind: 'json'; reason: string; status: number; body: unknown; headers?: Record<string, string> }
  | { kind: 'text'; reason: string; status: number; body: string; contentType: string; headers?: Record<string, string> }
  | { kind: 'empty'; reason: string; status: number; headers?: Record<string, string> }
  /** The pass hands the request to a relay (OAuth passthrough) that writes the answer itself. */
  | { kind: 'delegate'; reason: string; handle(): void };

export interface Pass<C extends EdgeRequest> {
  readonly name: string;
  run(ctx: C): Reply | undefined;
}

export function runPasses<C extends EdgeRequest>(passes: readonly Pass<C>[], ctx: C): { pass: string; reply: Reply } | undefined {
  for (const pass of passes) {
    const reply = pass.run(ctx);
    if (reply) return { pass: pass.name, reply };
  }
  return undefined;
}
