// A client-facing SSE response: the headers every stream needs, one write per event (Node sends
// each write at once: no Nagle, no compression; the body is unframed so that load balancers do not
// hold events back either, see http/stream-head.ts), and a shared keep-alive ticker.
import type { ServerResponse } from 'node:http';
import { SSE_KEEP_ALIVE_COMMENT } from '../jsonrpc/sse-format.js';
import { writeStreamHead } from '../http/stream-head.js';

export const SSE_KEEP_ALIVE_MS = 15_000;

export const SSE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/event-stream',
  // no-transform keeps intermediaries from compressing (and so buffering) the stream.
  'cache-control': 'no-cache, no-transform',
  // nginx and Cloudflare buffer responses unless told not to (claude-code#5826).
  'x-accel-buffering': 'no',
};

/** Writes keep-alive comments to every open stream; one timer for the whole process. */
export class KeepAlive {
  private readonly streams = new Set<ServerResponse>();
  private readonly timer: NodeJS.Timeout;

  constructor(intervalMs = SSE_KEEP_ALIVE_MS) {
    this.timer = setInterval(() => {
      for (const res of this.streams) {
        if (res.writableEnded || res.destroyed) this.streams.delete(res);
        else res.write(SSE_KEEP_ALIVE_COMMENT);
      }
    }, intervalMs);
    this.timer.unref();
  }

  add(res: ServerResponse): void {
    this.streams.add(res);
    // 'close' comes once: on() spares the once() wrapper every idle stream would hold.
    res.on('close', () => this.streams.delete(res));
  }

  get size(): number {
    return this.streams.size;
  }

  stop(): void {
    clearInterval(this.timer);
    this.streams.clear();
  }
}

export function startSse(res: ServerResponse, keepAlive: KeepAlive, extraHeaders: Record<string, string> = {}): void {
  writeStreamHead(res, 200, { ...extraHeaders, ...SSE_HEADERS });
  keepAlive.add(res);
}
