// Forwards one client request, streaming both ways, to the replica that owns its session
// (node:http piping: SSE answers flow event by event). The body is not read until the owner accepted
// the TCP connection, so an unreachable owner leaves the request intact for a local takeover.
import { request, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { ProxyError } from '../errors/proxy-error.js';
import { replyError } from '../http/reply.js';
import { writeStreamHead } from '../http/stream-head.js';

/** Marks a forwarded request (value: the forwarding replica): it is never forwarded again. */
export const FORWARDED_HEADER = 'x-frontdoor-forwarded';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer']);

function strip(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
  return out;
}

function isEventStream(answer: IncomingMessage): boolean {
  return /^text\/event-stream\b/i.test(answer.headers['content-type'] ?? '');
}

/**
 * 'unreachable': the owner refused the connection before anything was sent (the request is untouched);
 * 'done': the client got the owner's answer, or an error if the owner failed mid-request.
 */
export function forwardRequest(req: IncomingMessage, res: ServerResponse, target: URL, from: string, connectTimeoutMs = 2000): Promise<'done' | 'unreachable'> {
  return new Promise((resolve) => {
    let connected = false;
    let settled = false;
    const settle = (v: 'done' | 'unreachable') => {
      if (settled) return;
      settled = true;
      resolve(v);
    };
    const upstream = request({
      host: target.hostname.replace(/^\[|\]$/g, ''),
      port: target.port || 80,
      method: req.method,
      path: req.url,
      headers: { ...strip(req.headers), [FORWARDED_HEADER]: from },
      agent: false,
    });
    const connectTimer = setTimeout(() => {
      if (!connected) upstream.destroy(new Error('connect timeout'));
    }, connectTimeoutMs);
    upstream.on('socket', (socket) => {
      const go = () => {
        connected = true;
        clearTimeout(connectTimer);
        req.pipe(upstream);
      };
      if (socket.connecting) socket.once('connect', go);
      else go();
    });
    upstream.on('response', (answer) => {
      const status = answer.statusCode ?? 502;
      // A stream goes on unframed, as the owner sent it: re-chunked here, a load balancer in front
      // would hold its events back (http/stream-head.ts).
      if (isEventStream(answer)) writeStreamHead(res, status, strip(answer.headers));
      else {
        res.writeHead(status, strip(answer.headers));
        res.flushHeaders();
      }
      answer.pipe(res);
      answer.on('error', () => res.destroy());
      answer.on('aborted', () => res.destroy());
      answer.on('end', () => settle('done'));
    });
    upstream.on('error', (err) => {
      clearTimeout(connectTimer);
      if (!connected) {
        settle('unreachable');
        return;
      }
      // The owner failed with our request in flight: that request fails, the session does not.
      if (!res.headersSent) {
        replyError(
          res,
          new ProxyError(
            'ERR_BACKEND_DISCONNECTED',
            'owner_replica_failed',
            `the replica holding this session failed while the request was in flight (${err.message})`,
          ),
        );
      } else res.destroy();
      settle('done');
    });
    res.on('close', () => {
      if (!upstream.destroyed) upstream.destroy();
      settle('done');
    });
  });
}
