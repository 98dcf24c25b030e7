// Writing plain (non-streaming) HTTP answers. Only frontends and the edge runner write to sockets.
import type { ServerResponse } from 'node:http';
import type { ProxyError } from '../errors/proxy-error.js';
import type { JsonRpcId } from '../jsonrpc/message.js';

export function replyJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** An error before any answer was sent: its HTTP status and a JSON-RPC error body (id when known). */
export function replyError(res: ServerResponse, err: ProxyError, id: JsonRpcId | null = null): void {
  replyJson(res, err.status, err.toJsonRpc(id), err.headers);
}

export function replyEmpty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  // An explicit zero length: a 202 must have no body, not an empty chunked one.
  res.writeHead(status, status === 204 || status === 304 ? headers : { ...headers, 'content-length': '0' });
  res.end();
}
