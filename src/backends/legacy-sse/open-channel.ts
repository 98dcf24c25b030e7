// Opens a legacy SSE channel: the GET stream on a socket of its own (lean-http/event-stream.ts), its
// head checked (200 and text/event-stream, else the backend's refusal with the start of its body),
// then the `endpoint` event awaited, all within backend.timeouts.connect.
import type { Channel, ChannelHandlers } from '../channel.js';
import { ProxyError } from '../../errors/proxy-error.js';
import { safeUrl } from '../../observability/logger.js';
import { backendHttpError, networkError } from '../http-errors.js';
import { headerOf, mediaType } from '../response-head.js';
import { openEventStream, type EventStream } from '../lean-http/event-stream.js';
import type { ParsedHead } from '../lean-http/response-parser.js';
import { lowerCaseNames } from '../lean-http/request-head.js';
import { ERROR_TEXT_BYTES, LegacySseChannel, type LegacySseOptions } from './channel.js';

/** TCP keep-alive of the stream's socket (probes after this much silence). */
const STREAM_KEEPALIVE_MS = 30_000;

export function openLegacySseChannel(opts: LegacySseOptions, handlers: ChannelHandlers): Promise<Channel> {
  const what = `GET ${safeUrl(opts.url)}`;
  return new Promise<Channel>((resolve, reject) => {
    let settled = false;
    let channel: LegacySseChannel | undefined;
    /** A refusal's head, while the start of its body is read for the error message. */
    let refusal: ParsedHead | undefined;
    let refusalText = '';
    let stream: EventStream | undefined;
    const settle = (err: ProxyError | undefined, ok?: Channel) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) {
        stream?.destroy();
        reject(err);
      } else resolve(ok!);
    };
    const refused = () => {
      const head = refusal!;
      if (head.status === 200) {
        return new ProxyError(
          'ERR_BACKEND_PROTOCOL',
          'backend_not_sse',
          `the backend answered its SSE request with ${mediaType(head) || 'no content type'}, not text/event-stream (is the route's backend url its SSE URL?)`,
          { detail: what },
        );
      }
      return backendHttpError(head.status, what, refusalText.slice(0, ERROR_TEXT_BYTES), headerOf(head, 'www-authenticate'));
    };
    const timer = setTimeout(
      () =>
        settle(
          new ProxyError(
            'ERR_BACKEND_TIMEOUT',
            'backend_connect_timeout',
            `the backend did not open its SSE stream with an endpoint event within backend.timeouts.connect (${opts.connectTimeoutMs} ms)`,
            { detail: what },
          ),
        ),
      opts.connectTimeoutMs,
    );
    try {
      // Our own Host (from the URL) and no Origin: backends that guard against DNS rebinding
      // (FastMCP >= 1.23, TS createMcpExpressApp) accept only their own names (docs/quirks.md, Servers).
      const authorization = opts.credentials?.();
      const headers = {
        ...lowerCaseNames(opts.headers),
        ...(authorization ? { authorization } : {}),
        accept: 'text/event-stream',
        'cache-control': 'no-cache',
      };
      stream = openEventStream(opts.url, headers, STREAM_KEEPALIVE_MS, {
        head: (head) => {
          if (head.status !== 200 || mediaType(head) !== 'text/event-stream') {
            refusal = head;
            return;
          }
          channel = new LegacySseChannel(
            opts,
            handlers,
            stream!,
            (endpoint) => {
              opts.log.debug({ backend: safeUrl(opts.url), endpoint: safeUrl(endpoint) }, 'backend stream open');
              settle(undefined, channel);
            },
            (e) => settle(e),
          );
        },
        data: (text) => {
          if (channel) channel.feed(text);
          else if (refusal) {
            refusalText += text;
            if (refusalText.length >= ERROR_TEXT_BYTES) settle(refused());
          }
        },
        end: (err) => {
          if (channel) channel.streamEnded(err);
          else if (refusal) settle(refused());
          else settle(networkError(err ?? new Error('the backend closed the connection'), what));
        },
      });
    } catch (e) {
      settle(networkError(e, what));
    }
  });
}
