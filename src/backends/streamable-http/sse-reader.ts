// Reads one SSE body of a Streamable HTTP backend (a POST answer or the GET stream) until it ends
// or breaks, remembering what resuming it needs: the last event id and the `retry` the server asked for.
import type { IncomingMessage } from 'node:http';
import { BoundedSseParser } from '../../jsonrpc/bounded-sse.js';
import type { OversizeCallbacks } from '../oversize.js';

/** Where a stream got to; shared across the connections that resume one stream. */
export interface SseCursor {
  lastEventId: string | undefined;
  retryMs: number | undefined;
}

export function newCursor(): SseCursor {
  return { lastEventId: undefined, retryMs: undefined };
}

/**
 * Feeds the data of every `message` event that carries any to `onData`, in order, as it arrives.
 * Resolves when the body is over: with nothing when it ended cleanly, with the error when it broke.
 * Never rejects.
 */
export function readSseBody(body: IncomingMessage, cursor: SseCursor, onData: (data: string) => void, oversize: OversizeCallbacks): Promise<Error | undefined> {
  return new Promise((resolve) => {
    // eventsource-parser handles \n, \r\n and \r line endings (Python's sse-starlette uses CRLF),
    // comments (keep-alives) and multi-line data; the wrapper bounds one event's size.
    const parser = new BoundedSseParser({
      ...oversize,
      onEvent: (ev) => {
        if (ev.id !== undefined) cursor.lastEventId = ev.id;
        if (ev.event !== undefined && ev.event !== 'message') return;
        // The 2025-11-25 priming event (an id and empty data) only primes resumption.
        if (ev.data.trim() === '') return;
        onData(ev.data);
      },
      onRetry: (ms) => {
        cursor.retryMs = ms;
      },
    });
    let done = false;
    const finish = (e?: Error) => {
      if (done) return;
      done = true;
      resolve(e);
    };
    body.setEncoding('utf8'); // a StringDecoder: UTF-8 sequences split across chunks stay intact
    body.on('data', (chunk: string) => parser.feed(chunk));
    body.on('end', () => finish());
    body.on('error', (e: Error) => finish(e));
    // A socket destroyed under the response ends it with 'close' but neither 'end' nor 'error'.
    body.on('close', () => finish(body.readableEnded ? undefined : new Error('the stream closed before its end')));
  });
}
