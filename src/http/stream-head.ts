// The head of a response that streams for an open-ended time (an SSE stream): sent unframed, with
// neither Content-Length nor Transfer-Encoding, so the body ends when the connection closes.
//
// Why: a chunked body that has not ended tells an intermediary that more is coming, and haproxy then
// forwards with MSG_MORE, which lets the kernel hold the bytes until a packet fills, up to 200 ms.
// Behind a round-robin haproxy every event of a GET stream reached the client about 200 ms late and
// several at once: log notifications arrived after the answer of the call that caused them (which
// travels on another, finished, response that is flushed at once), and a legacy client read progress
// in the same chunk as the result, where the TypeScript SDK drops it. An unframed body gives no
// intermediary a reason to wait for more, so each event is passed on as it is written. The cost: the
// connection is closed after the stream instead of being reused.
import type { ServerResponse } from 'node:http';

export function writeStreamHead(res: ServerResponse, status: number, headers: Record<string, string | string[]>): void {
  // Node frames a body chunked unless both are removed before the head is written.
  res.removeHeader('content-length');
  res.removeHeader('transfer-encoding');
  res.writeHead(status, { ...headers, connection: 'close' });
  res.flushHeaders();
}
