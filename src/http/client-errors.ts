// Sockets that fail before a request exists: a malformed request line or headers, headers over
// Node's size bound, or a client too slow to send its headers (limits.headersTimeout; also the
// silent connection that never sends a byte). Node hands these to 'clientError' with no request or
// response object, so the answer is written to the socket directly, and the socket is closed.
import type { Socket } from 'node:net';
import { ProxyError } from '../errors/proxy-error.js';
import type { ErrorReporter } from '../observability/error-reporter.js';

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' };

export function handleClientError(err: Error & { code?: string }, socket: Socket, errors: ErrorReporter): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  let error: ProxyError;
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    error = new ProxyError('ERR_REQUEST_TIMEOUT', 'headers_timeout', 'Request Timeout: the request headers did not arrive within limits.headersTimeout', {
      limit: 'headersTimeout',
    });
    // A connection that never sent a byte gets no answer: nothing was asked.
    if (socket.bytesRead === 0) {
      errors.report(error, { silent: true });
      socket.destroy();
      return;
    }
  } else if (err.code === 'HPE_HEADER_OVERFLOW') {
    error = new ProxyError('ERR_NOT_JSONRPC', 'headers_too_large', 'Request Header Fields Too Large');
  } else {
    error = new ProxyError('ERR_NOT_JSONRPC', 'malformed_http', 'Bad Request: malformed HTTP request');
  }
  const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.status;
  errors.report(error, { parserError: err.code });
  const body = JSON.stringify(error.toJsonRpc(null));
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
  socket.destroySoon();
}
