// One JSON-RPC message POSTed the way Streamable HTTP clients do (spec 2025-06-18 transports: Accept
// lists both JSON and SSE; the answer is one JSON body or an SSE stream carrying the response).
// Also recognises the legacy server that answers such a POST with an SSE stream opening with an
// `endpoint` event (VS Code's second fallback, microsoft/vscode PR #249914).
import type { JsonRpcMessage, JsonRpcResponse } from '../../jsonrpc/message.js';
import { exchange, readBody, summarise } from './http-exchange.js';
import type { HttpAnswer, Redirect } from './probe-results.js';
import { awaitResponse, sseEvents, responseIn } from './sse-events.js';

export interface PostOutcome {
  status: number;
  /** Where the POST ended up after same-origin redirects. */
  finalUrl: URL;
  sessionId?: string;
  response?: JsonRpcResponse;
  format?: 'json' | 'sse';
  endpointEvent?: boolean;
  /** The answer was an SSE stream that the server ended before the response came. */
  streamEnded?: boolean;
  /** The answer, summarised, when it was not a plain 2xx carrying the response. */
  answer?: HttpAnswer;
}

export const POST_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

/** Throws ExchangeFailure when nothing answers. */
export async function postRpc(
  url: URL,
  message: JsonRpcMessage,
  headers: Record<string, string>,
  signal: AbortSignal,
  redirects: Redirect[],
): Promise<PostOutcome> {
  const ex = await exchange(url, { method: 'POST', headers: { ...POST_HEADERS, ...headers }, body: JSON.stringify(message), signal }, redirects);
  const outcome: PostOutcome = { status: ex.status, finalUrl: ex.url };
  const sid = ex.headers['mcp-session-id'];
  if (typeof sid === 'string' && sid !== '') outcome.sessionId = sid;
  const id = 'id' in message && message.id !== null ? message.id : undefined;
  const isStream = ex.contentType.includes('text/event-stream');

  if (isStream && id !== undefined && ex.status >= 200 && ex.status < 300) {
    const events = sseEvents(ex.body);
    try {
      const first = await events.next(signal);
      if (first?.event === 'endpoint') return { ...outcome, endpointEvent: true };
      const inFirst = first && (first.event === undefined || first.event === 'message') ? responseIn(first.data, id) : undefined;
      const response = inFirst ?? (first ? await awaitResponse(events, id, signal) : undefined);
      if (response) return { ...outcome, response, format: 'sse' };
      const why = signal.aborted ? '(no response on the stream within the timeout)' : '(the stream ended without a response)';
      if (!signal.aborted) outcome.streamEnded = true;
      return { ...outcome, answer: { status: ex.status, contentType: ex.contentType, bodyKind: 'event-stream', snippet: why } };
    } finally {
      events.close();
    }
  }
  const text = isStream ? '' : await readBody(ex, signal);
  ex.body.destroy();
  const response = id !== undefined ? responseIn(text, id) : undefined;
  if (response) outcome.response = response;
  if (response && ex.status < 300) outcome.format = 'json';
  else outcome.answer = summarise(ex, text);
  return outcome;
}
