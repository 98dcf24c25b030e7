// The long-lived reads of a Streamable HTTP channel: the SSE answer to a POST, resumed with
// `Last-Event-ID` when the backend ends it before the response (2025-11-25 polling, SEP-1699), and
// the backend's standalone GET stream, reopened with backoff whenever it drops.
import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import type { JsonRpcId } from '../../jsonrpc/message.js';
import { ProxyError } from '../../errors/proxy-error.js';
import { readText, type BackendResponse } from '../http-client.js';
import { mediaType } from '../response-head.js';
import { newCursor, readSseBody, type SseCursor } from './sse-reader.js';
import type { OversizeCallbacks } from '../oversize.js';

/** One POST and what became of it. */
export interface Exchange {
  /** The backend id of the POSTed request; undefined for notifications and responses. */
  readonly requestId: JsonRpcId | undefined;
  readonly initialize: boolean;
  /** Ends this exchange: its POST, its SSE body, its resumptions. */
  readonly abort: AbortController;
  /** The response arrived (always true for notifications and responses). */
  answered: boolean;
  /** The client sent notifications/cancelled for it. */
  cancelled: boolean;
  /** Called once when the response arrives. */
  onAnswered?: () => void;
}

/** What the reads need from their channel. */
export interface StreamHost {
  readonly closed: boolean;
  readonly hasSession: boolean;
  readonly log: Logger;
  get(extra: Record<string, string>, signal: AbortSignal): Promise<BackendResponse>;
  deliver(text: string, exchange?: Exchange): void;
  /** How events over limits.maxMessageBytes on this body are answered (the exchange's, or the GET stream's). */
  oversize(exchange?: Exchange): OversizeCallbacks;
  /** Registers a body being read, so backpressure can pause it; returns the unregistration. */
  reading(body: IncomingMessage): () => void;
  refusal(status: number, body: string, method: 'GET', wwwAuthenticate: string | undefined, sentWithSession: boolean): ProxyError;
}

/** Refusals of the GET stream that may pass: timeout, conflict (the backend still holds our previous stream), rate limit. */
const RETRIED_STATUSES = new Set([408, 409, 425, 429]);
/** Longest wait between two attempts to reopen a stream. */
export const MAX_REOPEN_DELAY_MS = 5_000;
const FIRST_REOPEN_DELAY_MS = 100;
/** Resumptions in a row that bring nothing new before a POST's stream is given up. */
const MAX_FRUITLESS_RESUMES = 3;
/** A GET stream that lived this long (or brought a message) was healthy: the backoff starts over. */
const HEALTHY_STREAM_MS = 1_000;

/** Doubling from 100 ms to 5 s, never shorter than the `retry` the backend asked for (clients MUST honour it). */
export function reopenDelayMs(failures: number, cursor: SseCursor): number {
  const backoff = Math.min(FIRST_REOPEN_DELAY_MS * 2 ** Math.max(0, failures - 1), MAX_REOPEN_DELAY_MS);
  return Math.max(backoff, cursor.retryMs ?? 0);
}

/** Waits `ms`, or less when `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

const isSse = (res: BackendResponse) => mediaType(res) === 'text/event-stream';
const lastEventHeader = (cursor: SseCursor): Record<string, string> => (cursor.lastEventId === undefined ? {} : { 'last-event-id': cursor.lastEventId });

/**
 * Reads the SSE answer to a POST. When it ends before the response to the POSTed request: resumes
 * it through GET + Last-Event-ID if the backend gave event ids; a backend session found gone ends
 * the channel (the session fails the request and re-initializes). Resolves with the error to answer
 * the request with when it ended unanswered (broken for good, or cancelled by the client); with
 * nothing when it was answered or the channel ended.
 */
export async function readPostStream(host: StreamHost, first: IncomingMessage, exchange: Exchange): Promise<ProxyError | undefined> {
  const cursor = newCursor();
  let body: IncomingMessage | undefined = first;
  let fruitless = 0;
  let broke: Error | undefined;
  while (body) {
    const before = cursor.lastEventId;
    const done = host.reading(body);
    broke = await readSseBody(body, cursor, (data) => host.deliver(data, exchange), host.oversize(exchange));
    done();
    if (host.closed || exchange.answered) return undefined;
    if (exchange.cancelled) return new ProxyError('ERR_BACKEND_DISCONNECTED', 'request_cancelled', 'the client cancelled this request');
    if (cursor.lastEventId === undefined) break; // no event ids: this stream cannot be resumed
    fruitless = cursor.lastEventId === before ? fruitless + 1 : 0;
    if (fruitless >= MAX_FRUITLESS_RESUMES) break;
    body = await resume(host, exchange, cursor);
  }
  if (host.closed || exchange.answered) return undefined;
  const how = broke ? `broke (${broke.message})` : 'ended';
  const resumable = cursor.lastEventId === undefined ? '' : '; resuming it with Last-Event-ID did not bring the response';
  return new ProxyError(
    'ERR_BACKEND_DISCONNECTED',
    'backend_stream_broken',
    `the backend's response stream for this request ${how} before the response${resumable}`,
  );
}

/** One GET with Last-Event-ID for a POST's stream, after the wait the backend asked for; a few tries. */
async function resume(host: StreamHost, exchange: Exchange, cursor: SseCursor): Promise<IncomingMessage | undefined> {
  const signal = exchange.abort.signal;
  for (let attempt = 1; attempt <= MAX_FRUITLESS_RESUMES; attempt++) {
    await pause(reopenDelayMs(attempt, cursor), signal);
    if (host.closed || signal.aborted) return undefined;
    let res: BackendResponse;
    try {
      res = await host.get(lastEventHeader(cursor), signal);
    } catch (e) {
      host.log.debug({ reason: 'backend_resume_failed', attempt }, `resuming a response stream failed: ${(e as Error).message}`);
      continue;
    }
    if (res.status === 200 && isSse(res)) {
      host.log.debug({ reason: 'backend_stream_resumed', attempt }, 'resumed a response stream with Last-Event-ID');
      return res.body;
    }
    const text = await readText(res.body, 4096).catch(() => '');
    const refusal = host.refusal(res.status, text, 'GET', undefined, host.hasSession);
    if (host.closed) return undefined; // the backend session is gone: the channel ended
    host.log.debug({ reason: refusal.reason, attempt, status: res.status }, `resuming a response stream failed: ${refusal.message}`);
  }
  return undefined;
}

/**
 * The backend's standalone GET stream (MCP Streamable HTTP, Listening for Messages from the Server),
 * opened once `notifications/initialized` was accepted. 405 (or a 200 that is not SSE): the backend
 * offers none. A 404 for our session (session gone) ends the channel; other lasting 4xx refusals
 * leave the channel without the stream. A stream that ends or breaks, a network error, 5xx, 408,
 * 409 or 429 is retried with backoff (100 ms doubling to 5 s, never below the backend's `retry`) for
 * as long as the channel is open, with Last-Event-ID when the backend gave event ids, so that it may
 * replay what we missed.
 */
export async function runGetStream(host: StreamHost, signal: AbortSignal): Promise<void> {
  const cursor = newCursor();
  let failures = 0;
  let warned = false;
  while (!host.closed && !signal.aborted) {
    if (failures > 0) await pause(reopenDelayMs(failures, cursor), signal);
    if (host.closed || signal.aborted) return;
    let res: BackendResponse;
    try {
      res = await host.get(lastEventHeader(cursor), signal);
    } catch (e) {
      failures++;
      host.log.debug({ reason: 'backend_get_stream_failed', failures }, `the backend's GET stream could not be opened: ${(e as Error).message}`);
      continue;
    }
    if (res.status === 405 || (res.status === 200 && !isSse(res))) {
      res.body.resume();
      host.log.debug({ reason: 'backend_no_get_stream', status: res.status }, `the backend offers no GET stream (HTTP ${res.status})`);
      return;
    }
    if (res.status !== 200) {
      const text = await readText(res.body, 4096).catch(() => '');
      const refusal = host.refusal(res.status, text, 'GET', undefined, host.hasSession);
      if (host.closed) return; // the backend session is gone: the channel ended
      if (!RETRIED_STATUSES.has(res.status) && res.status < 500) {
        // A lasting refusal (400, 401, 403, a 404 of a stateless backend): go on without the stream.
        const level = res.status === 401 || res.status === 403 ? 'warn' : 'debug';
        host.log[level]({ reason: refusal.reason, status: res.status }, `the backend refused its GET stream; going on without it: ${refusal.message}`);
        return;
      }
      failures++;
      const level = warned ? 'debug' : 'warn';
      warned = true;
      host.log[level]({ reason: refusal.reason, status: res.status, failures }, `the backend refused its GET stream; retrying: ${refusal.message}`);
      continue;
    }
    host.log.debug({ reason: 'backend_get_stream_open' }, "the backend's GET stream is open");
    const openedAt = Date.now();
    let delivered = 0;
    const done = host.reading(res.body);
    const broke = await readSseBody(
      res.body,
      cursor,
      (data) => {
        delivered++;
        host.deliver(data);
      },
      host.oversize(),
    );
    done();
    if (host.closed || signal.aborted) return;
    failures = delivered > 0 || Date.now() - openedAt >= HEALTHY_STREAM_MS ? 1 : failures + 1;
    host.log.debug({ reason: 'backend_get_stream_ended', failures }, `the backend's GET stream ${broke ? `broke (${broke.message})` : 'ended'}; reopening`);
  }
}
