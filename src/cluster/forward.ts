// Forwards one client request, streaming both ways, to the replica that owns its session
// (node:http piping: SSE answers flow event by event), on a kept-alive connection (forward-pool.ts).
//
// The safe-retry rule. The request body is not read until the owner has shown that it reads this
// request: on a new connection, by accepting it (the TCP connect); on a reused one, which may be
// dead without our knowing (the owner died, or closed it as idle just as we picked it), by answering
// `Expect: 100-continue` (RFC 9110 §10.1.1), the headers being sent alone. So:
//  - a reused connection that fails (or stays silent for connectTimeoutMs) before the owner's first
//    byte has carried at most the request's headers. A POST's JSON-RPC message is its body, so the
//    owner cannot have acted on it; a GET or DELETE may have been acted on, but they are idempotent
//    (RFC 9110 §9.2.2). The request goes again, once, on a new connection;
//  - a new connection that is refused (or not accepted within connectTimeoutMs) leaves the request
//    untouched: 'unreachable', and the caller takes the session over, reading the body itself;
//  - once the owner has shown that it reads the request, a failure is never retried: the owner may
//    have acted on it, so the client gets an error (and its session lives on).
// No body is buffered here: the rule costs one round trip on a reused connection, not memory.
import { request, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { ProxyError } from '../errors/proxy-error.js';
import { replyError } from '../http/reply.js';
import { writeStreamHead } from '../http/stream-head.js';
import type { ForwardPool } from './forward-pool.js';

/**
 * Marks a forwarded request; its value lists the replicas that forwarded it. A request is forwarded
 * once, and once more only by a replica that it reached by mistake (cluster.ts): never a third time.
 */
export const FORWARDED_HEADER = 'x-frontdoor-forwarded';

/** How many replicas have forwarded this request (0: it comes from a client). */
export function forwardHops(req: IncomingMessage): number {
  const v = req.headers[FORWARDED_HEADER];
  if (v === undefined) return 0;
  return (Array.isArray(v) ? v.join(',') : v).split(',').length;
}

// `expect`: this replica's server already answered the client's 100-continue; towards the owner we
// decide ourselves whether to wait for one.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'expect']);

function strip(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
  return out;
}

/** RFC 9112 §6.3: a request has a body only when it says so (Content-Length above 0, or Transfer-Encoding). */
function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function isEventStream(answer: IncomingMessage): boolean {
  return /^text\/event-stream\b/i.test(answer.headers['content-type'] ?? '');
}

export interface ForwardTarget {
  /** The owner's internal address. */
  host: string;
  port: number;
  /** This replica's id, added to FORWARDED_HEADER. */
  from: string;
  pool: ForwardPool;
  connectTimeoutMs?: number;
}

/** The host and port of a replica's internal base URL (its registration's address). */
export function ownerAddress(address: string): { host: string; port: number } {
  const url = new URL(address);
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 80) };
}

/**
 * 'unreachable': the owner could not be reached and the request is untouched (the caller may serve it);
 * 'done': the client got the owner's answer, or an error if the owner failed mid-request.
 */
export async function forwardRequest(req: IncomingMessage, res: ServerResponse, target: ForwardTarget): Promise<'done' | 'unreachable'> {
  const first = await attempt(req, res, target, true);
  if (first !== 'stale') return first;
  if (res.destroyed) return 'done'; // the client left meanwhile
  target.pool.retried();
  const second = await attempt(req, res, target, false);
  return second === 'stale' ? 'unreachable' : second;
}

/** 'stale': a reused connection failed before the owner's first byte; only the headers went out. */
function attempt(req: IncomingMessage, res: ServerResponse, target: ForwardTarget, pooled: boolean): Promise<'done' | 'unreachable' | 'stale'> {
  return new Promise((resolve) => {
    let reused = false;
    /** The owner accepted the connection (new) or sent its first byte (reused): the body may go. */
    let heard = false;
    let bodySent = false;
    let settled = false;
    const settle = (v: 'done' | 'unreachable' | 'stale') => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      res.off('close', onClientGone);
      resolve(v);
    };
    const prior = req.headers[FORWARDED_HEADER];
    const upstream = request({
      host: target.host,
      port: target.port,
      method: req.method,
      path: req.url,
      headers: { ...strip(req.headers), [FORWARDED_HEADER]: prior === undefined ? target.from : `${String(prior)}, ${target.from}` },
      // The retry takes a connection of its own: another idle one may be just as dead.
      agent: pooled ? target.pool.agent : false,
    });
    const timer = setTimeout(() => {
      if (!heard) upstream.destroy(new Error(reused ? 'the owner did not answer on a reused connection' : 'connect timeout'));
    }, target.connectTimeoutMs ?? 2000);
    const heardFromOwner = () => {
      heard = true;
      clearTimeout(timer);
    };
    const sendBody = () => {
      heardFromOwner();
      if (bodySent) return;
      bodySent = true;
      // Without a body (GET, DELETE) the request ends at once: piping would end it a few ticks later,
      // after the owner's answer, and the connection would return to the pool too late for the next.
      if (hasBody(req)) req.pipe(upstream);
      else upstream.end();
    };
    const onClientGone = () => {
      if (!upstream.destroyed) upstream.destroy();
      settle('done');
    };
    res.on('close', onClientGone);
    upstream.on('socket', (socket) => {
      if (socket.connecting) {
        target.pool.opened();
        socket.once('connect', sendBody);
        return;
      }
      reused = true;
      upstream.setHeader('expect', '100-continue');
      upstream.flushHeaders();
    });
    upstream.on('continue', sendBody);
    upstream.on('response', (answer) => {
      heardFromOwner();
      const status = answer.statusCode ?? 502;
      // A stream goes on unframed, as the owner sent it: re-chunked here, a load balancer in front
      // would hold its events back (http/stream-head.ts). Other answers go with their first bytes.
      if (isEventStream(answer)) writeStreamHead(res, status, strip(answer.headers));
      else res.writeHead(status, strip(answer.headers));
      answer.pipe(res);
      answer.on('error', () => res.destroy());
      answer.on('aborted', () => res.destroy());
      answer.on('end', () => {
        // Answered before it asked for the body: the connection cannot carry another request.
        if (!bodySent) upstream.destroy();
        settle('done');
      });
    });
    upstream.on('error', (err) => {
      if (!heard) {
        settle(reused ? 'stale' : 'unreachable');
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
  });
}
