// Server-Sent Events framing for what the proxy writes. Pure string building.
// A JSON-RPC message serialised by JSON.stringify never contains a raw newline, so one `data:` line
// is always enough; comments keep idle connections alive through load balancers (ALB 60 s,
// undici's 300 s bodyTimeout: spec notes §6 Claude Code 6).

export function sseEvent(data: string, event = 'message', id?: string): string {
  return id === undefined ? `event: ${event}\ndata: ${data}\n\n` : `id: ${id}\nevent: ${event}\ndata: ${data}\n\n`;
}

export const SSE_KEEP_ALIVE_COMMENT = ': keep-alive\n\n';
