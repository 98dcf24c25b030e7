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
  if (headers.connection === 'close') closeAfterAnswer(res);
}

/**
 * The request was refused before its body was read (too large, too slow, over budget): once the
 * answer is out, the rest of the body is discarded unread and the connection closed. Closing at once
 * would make the kernel reset a connection with unread data, and the client could lose our answer;
 * draining it for ever would let a client keep the connection busy.
 */
const DISCARD_MS = 1_000;

function closeAfterAnswer(res: ServerResponse): void {
  res.once('finish', () => {
    const socket = res.socket;
    res.req.resume();
    socket?.end();
    setTimeout(() => socket?.destroy(), DISCARD_MS).unref();
  });
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
