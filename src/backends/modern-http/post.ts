// One POST to a 2026-07-28 backend and its answer, read up to the response: one JSON body, or an SSE
// stream whose other messages (progress, log lines) relate to the request (MCP 2026-07-28, Streamable
// HTTP, Sending Messages to the Server). A refusal whose body is a JSON-RPC error (404 -32601, 400
// -32020…-32022) is that error, an ordinary answer for the client; any other refusal is a ProxyError
// as for every HTTP backend (http-errors.ts).
import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import { ProxyError } from '../../errors/proxy-error.js';
import { isResponse, type JsonRpcId, type JsonRpcMessage, type JsonRpcResponse } from '../../jsonrpc/message.js';
import { decodeMessages, DECODE_PROBLEM_TEXT, type DecodeProblem } from '../decode.js';
import { readMessageBody, readText, type BackendHttpClient, type BackendResponse } from '../http-client.js';
import { networkError } from '../http-errors.js';
import { headerOf, mediaType } from '../response-head.js';
import { oversizeCallbacks, sseData } from '../oversize.js';
import type { MessageLimits } from '../channel.js';
import { refusalError } from '../streamable-http/refusal.js';
import { newCursor, readSseBody } from '../streamable-http/sse-reader.js';
import { safeUrl } from '../../observability/logger.js';

const ACCEPT_BOTH = 'application/json, text/event-stream';
/** How long an answer stream may go on after its response before its socket is cut. */
const LINGER_AFTER_RESPONSE_MS = 5_000;
/** How much of a refusal's body is read: enough for a JSON-RPC error with its data. */
const REFUSAL_BODY_BYTES = 64 * 1024;

export interface PostHost extends MessageLimits {
  url: URL;
  http: BackendHttpClient;
  log: Logger;
  /** Configured headers and the credential of the request (auth passthrough). */
  headers(authorization?: string): Record<string, string>;
  /** Registers a body being read (backpressure); returns the unregistration. */
  reading(body: IncomingMessage): () => void;
}

export interface Post {
  id: JsonRpcId;
  method: string;
  body: string;
  headers: Record<string, string>;
  authorization?: string | undefined;
  signal: AbortSignal;
  /** Time allowed for the answer's headers. */
  timeoutMs: number;
  /** Anything on the answer stream that is not the response. */
  onRelated(m: JsonRpcMessage): void;
  /** The backend accepted the request (its answer started, or it refused it with a JSON-RPC error). */
  onAccepted?(): void;
}

/** Sends one request; resolves with its response (an error response included), rejects with a ProxyError. */
export async function postRequest(host: PostHost, post: Post): Promise<JsonRpcResponse> {
  const what = `POST ${safeUrl(host.url)} (${post.method})`;
  let res: BackendResponse;
  try {
    host.traffic?.sent(Buffer.byteLength(post.body));
    res = await host.http.request(host.url, {
      method: 'POST',
      headers: { ...host.headers(post.authorization), 'content-type': 'application/json', accept: ACCEPT_BOTH, ...post.headers },
      body: post.body,
      timeoutMs: post.timeoutMs,
      signal: post.signal,
    });
  } catch (e) {
    throw e instanceof ProxyError ? e : networkError(e, what);
  }
  if (res.status < 200 || res.status >= 300) {
    const text = await readText(res.body, REFUSAL_BODY_BYTES).catch(() => '');
    const answer = errorAnswer(text, host.maxJsonDepth);
    if (answer) {
      post.onAccepted?.();
      return { ...answer, id: post.id };
    }
    throw refusalError(res.status, text, what, headerOf(res, 'www-authenticate'), false);
  }
  post.onAccepted?.();
  const type = mediaType(res);
  const found: { response?: JsonRpcResponse } = {};
  const deliver = (text: string) => {
    host.traffic?.received(Buffer.byteLength(text));
    for (const m of decodeMessages(text, host.maxJsonDepth, problem(host))) {
      if (found.response === undefined && isResponse(m) && m.id === post.id) found.response = m;
      else if (found.response === undefined) post.onRelated(m);
    }
  };
  if (type === 'application/json') {
    deliver(await readMessageBody(res.body, host.maxMessageBytes).catch((e: unknown) => failRead(e, what)));
  } else if (type === 'text/event-stream') {
    const done = host.reading(res.body);
    const oversize = oversizeCallbacks({
      maxBytes: host.maxMessageBytes,
      log: host.log,
      report: (err) => host.report(err),
      limitHit: (limit) => host.limitHit(limit),
      deliver: (answer) => deliver(JSON.stringify(answer)),
      unwrap: sseData,
    });
    let answered!: () => void;
    const response = new Promise<undefined>((resolve) => (answered = () => resolve(undefined)));
    const read = readSseBody(
      res.body,
      newCursor(),
      (data) => {
        deliver(data);
        if (found.response !== undefined) answered();
      },
      oversize,
    );
    const body = res.body;
    read.finally(done).catch(() => undefined);
    const broke = await Promise.race([read, response]);
    if (found.response !== undefined) {
      // MCP 2026-07-28, Streamable HTTP: the response SHOULD end the stream, so its socket goes back to
      // the pool; one that lingers is cut after a grace period (nothing after the response is ours).
      const linger = setTimeout(() => body.destroy(), LINGER_AFTER_RESPONSE_MS);
      linger.unref();
      read.finally(() => clearTimeout(linger)).catch(() => undefined);
    }
    if (found.response === undefined && !post.signal.aborted) {
      const how = broke ? `broke (${broke.message})` : 'ended';
      throw new ProxyError('ERR_BACKEND_DISCONNECTED', 'backend_stream_broken', `the backend's response stream for this request ${how} before the response`);
    }
  } else {
    res.body.resume();
  }
  if (post.signal.aborted) throw new ProxyError('ERR_BACKEND_DISCONNECTED', 'request_cancelled', 'the client cancelled this request');
  if (found.response === undefined) {
    throw new ProxyError(
      'ERR_BACKEND_PROTOCOL',
      'backend_no_response',
      `the backend answered a request with HTTP ${res.status} and ${type || 'no body'} but no JSON-RPC response (expected application/json or text/event-stream)`,
    );
  }
  return found.response;
}

/** The JSON-RPC error response a refusal's body holds, if it holds one. */
function errorAnswer(text: string, maxDepth: number): JsonRpcResponse | undefined {
  if (text.trim() === '') return undefined;
  const [m] = decodeMessages(text, maxDepth, () => undefined);
  return m !== undefined && isResponse(m) && m.error !== undefined ? m : undefined;
}

function problem(host: PostHost): (reason: DecodeProblem, bytes: number) => void {
  return (reason, bytes) => {
    if (reason === 'backend_json_too_deep') host.limitHit('maxJsonDepth');
    host.log.warn({ reason, bytes }, DECODE_PROBLEM_TEXT[reason]);
  };
}

function failRead(e: unknown, what: string): never {
  throw e instanceof ProxyError ? e : networkError(e, what, 'ERR_BACKEND_DISCONNECTED');
}
