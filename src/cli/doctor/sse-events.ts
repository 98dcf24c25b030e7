// Pulls SSE events off a response body one at a time, with the proxy's one SSE reader
// (jsonrpc/bounded-sse.ts over eventsource-parser: CRLF from sse-starlette, keep-alive comments,
// multi-line data), so a server under diagnosis cannot make the doctor buffer without bound either.
import type { EventSourceMessage } from 'eventsource-parser';
import { BoundedSseParser } from '../../jsonrpc/bounded-sse.js';
import type { IncomingMessage } from 'node:http';
import { classify, type JsonRpcId, type JsonRpcResponse } from '../../jsonrpc/message.js';

export interface SseEvents {
  /** The next event, or undefined when the stream ended or the signal aborted first. */
  next(signal: AbortSignal): Promise<EventSourceMessage | undefined>;
  /** The server ended (or broke) the stream; not set by close(). */
  ended(): boolean;
  close(): void;
}

/** The largest event the doctor reads (an endpoint event or an InitializeResult is far smaller). */
const MAX_EVENT_CHARS = 1024 * 1024;

export function sseEvents(body: IncomingMessage): SseEvents {
  const queue: EventSourceMessage[] = [];
  let ended = false;
  let closed = false;
  let endedByServer = false;
  let wake: (() => void) | undefined;
  const parser = new BoundedSseParser({
    maxEventChars: MAX_EVENT_CHARS,
    onEvent(event) {
      queue.push(event);
      wake?.();
    },
    // An event too large to be a diagnosis answer is skipped.
    onOversize: () => undefined,
    onOversizeEnd: () => undefined,
  });
  body.setEncoding('utf8');
  body.on('data', (chunk: string) => parser.feed(chunk));
  const end = () => {
    if (!closed) endedByServer = true;
    ended = true;
    wake?.();
  };
  body.once('end', end);
  body.once('close', end);
  body.once('error', end);

  return {
    async next(signal) {
      while (queue.length === 0 && !ended && !signal.aborted) {
        await new Promise<void>((resolve) => {
          const done = () => {
            wake = undefined;
            signal.removeEventListener('abort', done);
            resolve();
          };
          wake = done;
          signal.addEventListener('abort', done, { once: true });
        });
      }
      return queue.shift();
    },
    ended: () => endedByServer,
    close() {
      closed = true;
      body.destroy();
    },
  };
}

/** Reads events until the JSON-RPC response with `id` arrives; undefined on end or abort. */
export async function awaitResponse(events: SseEvents, id: JsonRpcId, signal: AbortSignal): Promise<JsonRpcResponse | undefined> {
  for (;;) {
    const event = await events.next(signal);
    if (event === undefined) return undefined;
    if (event.event !== undefined && event.event !== 'message') continue;
    const response = responseIn(event.data, id);
    if (response) return response;
  }
}

/**
 * The response with `id` in a JSON body (a single message or a batch), if any. An error with a null
 * id counts too: transports answer that way when they reject a request before reading its id.
 */
export function responseIn(text: string, id: JsonRpcId): JsonRpcResponse | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  for (const m of Array.isArray(value) ? value : [value]) {
    if (classify(m) !== 'response') continue;
    const r = m as JsonRpcResponse;
    if (r.id === id || (r.id === null && r.error)) return r;
  }
  return undefined;
}
