// Raw node:http requests for hostile tests: any Host header (fetch cannot set it), any method and
// path, a hard deadline on every exchange, and SSE answers either cut right after their headers
// (so that thousands of requests never pile up open streams) or read up to their first event.
import http, { type Agent, type IncomingHttpHeaders } from 'node:http';
import type { Wire } from './wire.js';

export interface RawRequest {
  method: string;
  /** Path and query exactly as sent (node:http accepts \x21-\xff). */
  path: string;
  /** A `host` entry replaces the one node:http would send. */
  headers?: Record<string, string>;
  body?: Buffer | string;
}

export interface RawOutcome {
  /** `response`: complete (or an SSE answer cut on purpose); `timeout`: the deadline passed; `error`: a socket error. */
  kind: 'response' | 'timeout' | 'error';
  status: number | undefined;
  headers: IncomingHttpHeaders | undefined;
  /** The body of a non-SSE answer (up to maxBodyBytes). */
  body: string;
  /** The answer's Content-Type is text/event-stream. */
  sse: boolean;
  /** With `sse: 'first-event'`, the first event block (up to its blank line). */
  firstEvent: string | undefined;
  error: string | undefined;
}

export interface RawOptions {
  port: number;
  agent?: Agent;
  /** Deadline of the whole exchange; the request is destroyed after it. */
  timeoutMs?: number;
  /** `abort`: an SSE answer is cut after its headers; `first-event`: after its first event. */
  sse?: 'abort' | 'first-event';
  maxBodyBytes?: number;
}

export function rawRequest(r: RawRequest, opts: RawOptions): Promise<RawOutcome> {
  const timeoutMs = opts.timeoutMs ?? 5_000;
  const maxBody = opts.maxBodyBytes ?? 1 << 20;
  return new Promise((resolve) => {
    let settled = false;
    let status: number | undefined;
    let headers: IncomingHttpHeaders | undefined;
    let sse = false;
    const chunks: Buffer[] = [];
    let size = 0;
    const outcome = (kind: RawOutcome['kind'], extra: Partial<RawOutcome> = {}): RawOutcome => ({
      kind,
      status,
      headers,
      body: Buffer.concat(chunks).toString('utf8'),
      sse,
      firstEvent: undefined,
      error: undefined,
      ...extra,
    });
    const finish = (o: RawOutcome, destroy: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (destroy) req.destroy();
      resolve(o);
    };
    const req = http.request({ host: '127.0.0.1', port: opts.port, method: r.method, path: r.path, headers: r.headers, agent: opts.agent ?? false });
    const timer = setTimeout(() => finish(outcome('timeout'), true), timeoutMs);
    req.on('error', (e: NodeJS.ErrnoException) => finish(outcome('error', { error: e.code ?? e.message }), true));
    req.on('response', (res) => {
      status = res.statusCode;
      headers = res.headers;
      sse = /text\/event-stream/i.test(res.headers['content-type'] ?? '');
      if (sse && opts.sse !== 'first-event') {
        finish(outcome('response'), true);
        return;
      }
      let text = '';
      res.on('data', (chunk: Buffer) => {
        if (sse) {
          text += chunk.toString('utf8');
          for (let end = text.search(/\r?\n\r?\n/); end >= 0; end = text.search(/\r?\n\r?\n/)) {
            const block = text.slice(0, end);
            text = text.slice(end).replace(/^\r?\n\r?\n/, '');
            // Comment-only blocks (keep-alives, priming) are not events.
            if (block.split(/\r?\n/).some((l) => l !== '' && !l.startsWith(':'))) {
              finish(outcome('response', { firstEvent: block }), true);
              return;
            }
          }
          return;
        }
        size += chunk.length;
        if (size > maxBody) {
          finish(outcome('response', { error: 'body_over_limit' }), true);
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => finish(outcome('response'), false));
      res.on('error', (e: NodeJS.ErrnoException) => finish(outcome('error', { error: e.code ?? e.message }), true));
      res.on('aborted', () => finish(outcome('error', { error: 'aborted' }), true));
    });
    try {
      req.end(r.body);
    } catch (e) {
      finish(outcome('error', { error: (e as NodeJS.ErrnoException).code ?? String(e) }), true);
    }
  });
}

/** The parsed JSON body of an outcome, or undefined when it is not JSON. */
export function jsonOf(o: RawOutcome): Wire {
  try {
    return JSON.parse(o.body);
  } catch {
    return undefined;
  }
}

/** The data of the legacy `endpoint` event in an SSE first-event block. */
export function endpointData(firstEvent: string | undefined): string | undefined {
  if (firstEvent === undefined) return undefined;
  const lines = firstEvent.split(/\r?\n/);
  if (!lines.some((l) => l.trim() === 'event: endpoint' || l.trim() === 'event:endpoint')) return undefined;
  return lines
    .filter((l) => l.startsWith('data:'))
    .map((l) => l.slice(5).replace(/^ /, ''))
    .join('\n');
}
