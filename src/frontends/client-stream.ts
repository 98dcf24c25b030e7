// Flow control on a client's SSE connection. What is written to a client that does not read stays
// in the proxy's memory (Node queues it behind the socket); the session reads `queuedBytes` after
// each write and applies limits.streamBufferBytes (session/backpressure.ts).
import type { ServerResponse } from 'node:http';

/** Bytes written to the connection and not yet handed to the network. */
export function queuedBytes(res: ServerResponse | undefined): number {
  return res && !res.destroyed ? res.writableLength : 0;
}

/** Calls `callback` once, when the queued bytes have gone out or the connection is gone. */
export function onceDrained(res: ServerResponse | undefined, callback: () => void): void {
  if (!res || res.destroyed || res.writableLength === 0) {
    queueMicrotask(callback);
    return;
  }
  let called = false;
  const once = () => {
    if (called) return;
    called = true;
    res.off('drain', once);
    res.off('close', once);
    callback();
  };
  res.once('drain', once);
  res.once('close', once);
}

/** Drops the connection and everything queued on it: the client stopped reading. */
export function dropConnection(res: ServerResponse | undefined): void {
  res?.destroy();
}
