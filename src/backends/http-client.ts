// HTTP to backends on Node's own http/https clients with keep-alive agents.
// Why not undici here: loading the undici package costs ~21 MB of RSS (its JS plus a WASM HTTP
// parser), which alone breaks the proxy's memory budget (≤ 80 MB with 50 sessions, issue 2), and
// node:http's native parser does the same job. Long-lived SSE streams get no body timeout at all
// (undici's 300 s default is what kills quiet MCP streams in other clients: docs/quirks.md).
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { messageTooLarge } from './oversize.js';
import { BackendTimeoutError } from './backend-timeout.js';
import { createPostPool, type PostAnswer, type PostOptions } from './lean-http/post-pool.js';

export interface BackendResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: IncomingMessage;
}

export interface BackendRequest {
  method: 'GET' | 'POST' | 'DELETE';
  headers: Record<string, string>;
  body?: string;
  /** Time allowed until the response headers arrive; for POSTs, also socket inactivity. */
  timeoutMs: number;
  /** Destroys the request (and its response stream) when aborted. */
  signal?: AbortSignal;
}

export { BackendTimeoutError };

export interface BackendHttpClient {
  request(url: URL, req: BackendRequest): Promise<BackendResponse>;
  /** A POST whose answer is read whole (bounded by `opts.bodyLimit`), on the lean pool (lean-http/). */
  post(url: URL, headers: Record<string, string>, body: string, opts: PostOptions): Promise<PostAnswer>;
  destroy(): void;
}

/** One client per route: a pool for POSTs, and streams on sockets of their own. */
export function createBackendHttpClient(opts: { keepAliveMs: number }): BackendHttpClient {
  const posts = createPostPool(opts);
  const agents = {
    'http:': new http.Agent({ keepAlive: true, keepAliveMsecs: opts.keepAliveMs, scheduling: 'lifo' }),
    'https:': new https.Agent({ keepAlive: true, keepAliveMsecs: opts.keepAliveMs, scheduling: 'lifo' }),
  };
  return {
    request(url, r) {
      return new Promise<BackendResponse>((resolve, reject) => {
        const mod = url.protocol === 'https:' ? https : http;
        const headers: Record<string, string | number> = { ...r.headers };
        if (r.body !== undefined) headers['content-length'] = Buffer.byteLength(r.body);
        const req = mod.request(url, { method: r.method, headers, agent: agents[url.protocol as 'http:' | 'https:'] });
        const timer = setTimeout(() => req.destroy(new BackendTimeoutError(`no response within ${r.timeoutMs} ms`)), r.timeoutMs);
        const onAbort = () => req.destroy(r.signal?.reason instanceof Error ? r.signal.reason : new Error('aborted'));
        r.signal?.addEventListener('abort', onAbort, { once: true });
        req.once('response', (res) => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res });
        });
        req.once('error', (e) => {
          clearTimeout(timer);
          r.signal?.removeEventListener('abort', onAbort);
          reject(e);
        });
        req.once('close', () => r.signal?.removeEventListener('abort', onAbort));
        req.end(r.body);
      });
    },
    post: (url, headers, body, postOpts) => posts.post(url, headers, body, postOpts),
    destroy() {
      posts.destroy();
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
}

/**
 * Reads a message body whole, or fails at `maxBytes` (limits.maxMessageBytes): never a silent cut
 * that would hand half a JSON message on. The rest of an oversized body is not read.
 */
export function readMessageBody(res: IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxBytes) {
        chunks.length = 0;
        res.destroy();
        reject(messageTooLarge(maxBytes, Number(res.headers['content-length']) || undefined));
        return;
      }
      chunks.push(c);
    });
    res.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.once('error', reject);
  });
}

/** Reads at most `maxBytes` of a body (the start of an error page, for the log), draining the rest. */
export function readText(res: IncomingMessage, maxBytes = 4096): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= maxBytes) chunks.push(c);
    });
    res.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.once('error', reject);
  });
}
