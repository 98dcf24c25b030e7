// Raw HTTP against the proxy, for checks the SDK client cannot express (exact statuses and headers).
import type { Wire } from './wire.js';

export const JSON_AND_SSE = 'application/json, text/event-stream';

export function initializeBody(id: number | string = 1, protocolVersion = '2025-06-18'): string {
  return JSON.stringify({
    jsonrpc: '2.0',
    id,
    method: 'initialize',
    params: { protocolVersion, capabilities: {}, clientInfo: { name: 'raw-http', version: '1.0.0' } },
  });
}

export async function post(url: string, body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: JSON_AND_SSE, ...headers },
    body,
  });
}

/** Initializes a session with raw HTTP and sends notifications/initialized; returns its id. */
export async function rawSession(url: string, protocolVersion = '2025-06-18'): Promise<string> {
  const res = await post(url, initializeBody(1, protocolVersion));
  if (res.status !== 200) throw new Error(`initialize answered ${res.status}: ${await res.text()}`);
  await res.text();
  const id = res.headers.get('mcp-session-id');
  if (!id) throw new Error('no mcp-session-id on the initialize response');
  const ack = await post(url, JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }), {
    'mcp-session-id': id,
    'mcp-protocol-version': protocolVersion,
  });
  await ack.text();
  return id;
}

/** Reads a JSON or SSE answer and returns the JSON-RPC messages in it. */
export async function messagesOf(res: Response): Promise<Wire[]> {
  const text = await res.text();
  const type = res.headers.get('content-type') ?? '';
  if (type.includes('application/json')) {
    const v = JSON.parse(text);
    return Array.isArray(v) ? v : [v];
  }
  return text
    .split(/\r?\n/)
    .filter((l) => l.startsWith('data:'))
    .map((l) => l.slice(5).trim())
    .filter((d) => d !== '')
    .map((d) => JSON.parse(d));
}
