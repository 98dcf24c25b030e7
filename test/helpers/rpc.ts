// Raw JSON-RPC calls on a Streamable HTTP session (fetch), bounded by a deadline, for tests that
// assert exact error payloads (status, error.data) rather than what an SDK client makes of them.
import { messagesOf } from './http.js';
import type { Wire } from './wire.js';

export interface RpcOutcome {
  status: number;
  headers: Headers;
  /** The JSON-RPC response with the request's id, if one came. */
  response: Wire;
  messages: Wire[];
}

export async function rpc(
  url: string,
  sessionId: string,
  id: number,
  method: string,
  params: Record<string, unknown>,
  opts: { timeoutMs?: number; accept?: string; protocolVersion?: string } = {},
): Promise<RpcOutcome> {
  const headers: Record<string, string> = { 'mcp-session-id': sessionId, 'mcp-protocol-version': opts.protocolVersion ?? '2025-06-18' };
  if (opts.accept) headers.accept = opts.accept;
  const signal = AbortSignal.timeout(opts.timeoutMs ?? 20_000);
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: JSON.stringify({ jsonrpc: '2.0', id, method, params }),
    signal,
  });
  const messages = await messagesOf(res);
  return { status: res.status, headers: res.headers, response: messages.find((m) => m && m.id === id), messages };
}

export function callTool(
  url: string,
  sessionId: string,
  id: number,
  name: string,
  args: Record<string, unknown>,
  opts: { timeoutMs?: number; accept?: string } = {},
): Promise<RpcOutcome> {
  return rpc(url, sessionId, id, 'tools/call', { name, arguments: args }, opts);
}

/** The text of a tools/call result. */
export function resultText(response: Wire): string {
  return ((response?.result?.content ?? []) as Array<{ text?: string }>).map((c) => c.text ?? '').join('');
}
