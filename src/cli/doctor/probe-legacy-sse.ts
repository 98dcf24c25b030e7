// The legacy HTTP+SSE probe (spec 2024-11-05): GET with Accept: text/event-stream, wait for the
// `endpoint` event, POST `initialize` to it and read the answer on the stream (or in the POST body,
// which some servers do: avelino/mcp#32), then (deep) the `initialized` strictness check. The
// stream is closed whatever happens, so the server ends its session. Every request carries the
// user's `--header`s.
import type { JsonRpcRequest, JsonRpcResponse } from '../../jsonrpc/message.js';
import { classifyEndpoint } from './endpoint-form.js';
import { checkInitialized, INITIALIZE, serverIdentityOf, type CallFailure } from './handshake.js';
import { snippetOf } from './body-kind.js';
import { answerOf, ExchangeFailure, exchange, readBody, summarise, withTimeout, type Exchange } from './http-exchange.js';
import type { LegacyProbe } from './probe-results.js';
import type { ProbeOptions } from './probe-streamable.js';
import { awaitResponse, responseIn, sseEvents, type SseEvents } from './sse-events.js';

export async function probeLegacySse(url: URL, opts: ProbeOptions): Promise<LegacyProbe> {
  const probe: LegacyProbe = { ok: false, redirects: [] };
  // The stream lives until the probe ends; until the endpoint event arrives, the timeout bounds it.
  const stream = new AbortController();
  const connectTimer = setTimeout(() => stream.abort(new Error('timeout')), opts.timeoutMs);
  let events: SseEvents | undefined;
  try {
    let ex: Exchange;
    try {
      ex = await exchange(
        url,
        { method: 'GET', headers: { ...opts.headers, accept: 'text/event-stream', 'cache-control': 'no-cache' }, signal: stream.signal },
        probe.redirects,
      );
    } catch (e) {
      if (e instanceof ExchangeFailure) return { ...probe, failure: e.failure };
      throw e;
    }
    if (ex.status !== 200 || !ex.contentType.includes('text/event-stream')) {
      return { ...probe, answer: await answerOf(ex, stream.signal) };
    }
    events = sseEvents(ex.body);
    let data: string | undefined;
    for (let ev = await events.next(stream.signal); ev; ev = await events.next(stream.signal)) {
      if (ev.event === 'endpoint') {
        data = ev.data;
        break;
      }
    }
    clearTimeout(connectTimer);
    if (data === undefined) {
      const why = stream.signal.aborted ? `no endpoint event within ${opts.timeoutMs} ms` : 'the stream ended before an endpoint event';
      return { ...probe, noEndpointEvent: why };
    }
    const { postUrl, ...endpoint } = classifyEndpoint(data, url);
    probe.endpoint = endpoint;
    if (!postUrl) return probe;
    endpoint.postedTo = postUrl.href;

    const messages = events;
    const postHeaders = { ...opts.headers, 'content-type': 'application/json' };
    /** `onRefusal` gets a non-2xx answer to the POST (the initialize probe keeps it). */
    const call = (request: JsonRpcRequest, onBody?: () => void, onRefusal?: (text: string, post: Exchange) => void) =>
      withTimeout(opts.timeoutMs, async (signal): Promise<JsonRpcResponse | CallFailure> => {
        const failed = (problem: string, sessionGone = false): CallFailure => ({ problem, sessionGone, timedOut: signal.aborted });
        let post: Exchange;
        try {
          post = await exchange(postUrl, { method: 'POST', headers: postHeaders, body: JSON.stringify(request), signal }, probe.redirects);
        } catch (e) {
          if (e instanceof ExchangeFailure) return failed(`POST ${postUrl.pathname}: ${e.failure.message}`);
          throw e;
        }
        const text = await readBody(post, signal);
        if (post.status < 200 || post.status >= 300) {
          onRefusal?.(text, post);
          // A legacy session lives as long as its stream: a 404 for it, or a closed stream, means it is gone.
          const why = `POST ${postUrl.pathname} answered HTTP ${post.status}${text.trim() ? `: ${snippetOf(text)}` : ''}`;
          return failed(why, post.status === 404 || messages.ended());
        }
        const inBody = responseIn(text, request.id);
        if (inBody) {
          onBody?.();
          return inBody;
        }
        const onStream = await awaitResponse(messages, request.id, signal);
        if (onStream) return onStream;
        if (messages.ended()) return failed('the SSE stream ended before the answer', true);
        return failed(`no answer on the SSE stream within ${opts.timeoutMs} ms`);
      });

    let inBody = false;
    const init = await call(
      INITIALIZE,
      () => (inBody = true),
      (text, post) => (probe.initializeAnswer = summarise(post, text)),
    );
    if ('problem' in init) return { ...probe, initializeProblem: init.problem };
    const server = serverIdentityOf(init);
    if (!server) {
      const why = init.error ? `initialize failed: ${init.error.code} ${init.error.message}` : 'the initialize answer has no protocolVersion';
      return { ...probe, initializeProblem: why };
    }
    probe.ok = true;
    probe.server = server;
    probe.answeredIn = inBody ? 'post-body' : 'stream';
    if (opts.deep) {
      probe.initialized = await checkInitialized(
        (request) => call(request),
        async (notification) => {
          await withTimeout(opts.timeoutMs, async (signal) => {
            const post = await exchange(postUrl, { method: 'POST', headers: postHeaders, body: JSON.stringify(notification), signal }, probe.redirects);
            await readBody(post, signal);
          }).catch(() => undefined);
        },
      );
    }
    return probe;
  } finally {
    clearTimeout(connectTimer);
    events?.close();
    stream.abort(new Error('probe finished'));
  }
}
