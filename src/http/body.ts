// Reads a request body, bounded three ways: its size (limits.maxBodyBytes: refused before reading
// when Content-Length already says so), its time (limits.bodyTimeout, the whole body: a client that
// trickles or stalls is cut off) and the shared budget of bodies being received (BodyBudget). A
// refused body is never buffered further; the connection closes after the error answer.
import type { IncomingMessage } from 'node:http';
import { ProxyError } from '../errors/proxy-error.js';
import type { BodyBudget } from './body-budget.js';

export interface BodyLimits {
  maxBytes: number;
  timeoutMs: number;
  budget: BodyBudget;
}

const CLOSE = { connection: 'close' };

/**
 * The first bytes of every body are outside the shared budget: ordinary MCP messages are small, and
 * must never be refused because large uploads filled the budget. What such bodies cost together is
 * bounded by the number of connections (limits.maxSessions' open-file share) and limits.bodyTimeout.
 */
export const SMALL_BODY_BYTES = 64 * 1024;

export function readBody(req: IncomingMessage, limits: BodyLimits): Promise<string> {
  const declared = req.headers['content-length'] === undefined ? undefined : Number(req.headers['content-length']);
  if (declared !== undefined && Number.isFinite(declared) && declared > limits.maxBytes) return Promise.reject(tooLarge(limits.maxBytes));
  // With a Content-Length the whole body is reserved at once; chunked bodies reserve as they come.
  let reserved = declared !== undefined && Number.isFinite(declared) ? Math.max(0, declared - SMALL_BODY_BYTES) : 0;
  if (reserved > 0 && !limits.budget.reserve(reserved)) return Promise.reject(overloaded(limits.budget.maxBytes));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const fail = (err: ProxyError) => {
      cleanup();
      reject(err);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limits.maxBytes) return fail(tooLarge(limits.maxBytes));
      const need = size - SMALL_BODY_BYTES;
      if (need > reserved) {
        if (!limits.budget.reserve(need - reserved)) return fail(overloaded(limits.budget.maxBytes));
        reserved = need;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      const text = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
      cleanup();
      resolve(text);
    };
    const onError = (e: Error) => fail(new ProxyError('ERR_NOT_JSONRPC', 'body_read_failed', `reading the request body failed: ${e.message}`));
    const onAborted = () => fail(new ProxyError('ERR_NOT_JSONRPC', 'body_aborted', 'the client closed the connection before the end of the body'));
    // A body the parser already holds whole (the usual small message, in the packet of its headers)
    // cannot stall: no timer for it.
    const timer = req.complete
      ? undefined
      : setTimeout(
          () =>
            fail(
              new ProxyError(
                'ERR_REQUEST_TIMEOUT',
                'body_timeout',
                `Request Timeout: the request body did not arrive within limits.bodyTimeout (${limits.timeoutMs} ms)`,
                { headers: CLOSE, limit: 'bodyTimeout' },
              ),
            ),
          limits.timeoutMs,
        );
    const cleanup = () => {
      clearTimeout(timer);
      limits.budget.release(reserved);
      reserved = 0;
      chunks.length = 0;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}

function tooLarge(maxBytes: number): ProxyError {
  return new ProxyError('ERR_BODY_TOO_LARGE', 'body_too_large', `the request body is larger than limits.maxBodyBytes (${maxBytes} bytes)`, {
    headers: CLOSE,
    limit: 'maxBodyBytes',
  });
}

function overloaded(maxBytes: number): ProxyError {
  return new ProxyError(
    'ERR_OVERLOADED',
    'body_budget_exhausted',
    `Service Unavailable: request bodies being received exceed limits.maxBufferedBodyBytes (${maxBytes} bytes); retry`,
    {
      headers: { ...CLOSE, 'retry-after': '1' },
      limit: 'maxBufferedBodyBytes',
    },
  );
}
