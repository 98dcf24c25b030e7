// Server-Sent Events framing for what the proxy writes. Pure string building.
// A JSON-RPC message serialised by JSON.stringify never contains a raw newline, so one `data:` line
// is always enough; comments keep idle connections alive through load balancers (ALB 60 s,
// undici's 300 s bodyTimeout: docs/quirks.md).

export function sseEvent(data: string, event = 'message', id?: string): string {
  return id === undefined ? `event: ${event}\ndata: ${data}\n\n` : `id: ${id}\nevent: ${event}\ndata: ${data}\n\n`;
}

/**
 * The priming event of a resumable stream (MCP 2025-11-25, Sending Messages to the Server): an id
 * and empty data, so the client has an id to reconnect with before any message, and the standard
 * `retry` field (ms) it MUST honour when reconnecting. Same bytes as the TS SDK server writes; empty
 * `data` breaks clients older than 2025-11-25, so callers send it only to newer ones.
 */
export function ssePriming(id: string, retryMs: number): string {
  return `id: ${id}\nretry: ${retryMs}\ndata: \n\n`;
}

export const SSE_KEEP_ALIVE_COMMENT = ': keep-alive\n\n';
