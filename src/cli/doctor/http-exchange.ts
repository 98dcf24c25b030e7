// One HTTP exchange for the doctor, on node:http/https with a socket of its own (agent: false), so
// closing a probe really closes its connection and nothing lingers on the probed server. Every
// exchange is bounded by an AbortSignal. Redirects: same-origin 307/308 (and 301-303 for GET) are
// followed, as fetch-based clients do; another origin is never followed (the caller reports it).
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { HttpAnswer, NetworkFailure, Redirect } from './probe-results.js';
import { bodyKindOf, snippetOf } from './body-kind.js';

export interface ExchangeRequest {
  method: 'GET' | 'POST' | 'DELETE';
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
}

export interface Exchange {
  url: URL;
  status: number;
  headers: IncomingHttpHeaders;
  contentType: string;
  body: IncomingMessage;
}

const MAX_REDIRECTS = 3;
/** Enough to classify and quote a body; the doctor never needs more. */
export const MAX_BODY_BYTES = 64 * 1024;

export class ExchangeFailure extends Error {
  constructor(readonly failure: NetworkFailure) {
    super(failure.message);
  }
}

/** Sends the request, following same-origin redirects into `redirects`; throws ExchangeFailure. */
export async function exchange(url: URL, req: ExchangeRequest, redirects: Redirect[]): Promise<Exchange> {
  let current = url;
  for (let hop = 0; ; hop++) {
    const ex = await sendOnce(current, req);
    const location = ex.headers.location;
    const redirect = ex.status >= 301 && ex.status <= 308 && ex.status !== 304 && ex.status !== 305 && location !== undefined;
    if (!redirect || hop >= MAX_REDIRECTS) return ex;
    const target = new URL(location, current);
    // A POST redirected with 301-303 would turn into a GET without its body; only 307/308 keep it.
    const keepsMethod = ex.status === 307 || ex.status === 308 || req.method === 'GET';
    const followed = target.origin === url.origin && keepsMethod;
    redirects.push({ from: current.href, to: target.href, status: ex.status, followed });
    if (!followed) return ex;
    ex.body.destroy();
    current = target;
  }
}

function sendOnce(url: URL, req: ExchangeRequest): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const mod = url.protocol === 'https:' ? https : http;
    const headers: Record<string, string | number> = { 'user-agent': 'mcp-frontdoor-doctor', ...req.headers };
    if (req.body !== undefined) headers['content-length'] = Buffer.byteLength(req.body);
    const r = mod.request(url, { method: req.method, headers, agent: false, signal: req.signal });
    r.once('response', (res) => {
      resolve({ url, status: res.statusCode ?? 0, headers: res.headers, contentType: String(res.headers['content-type'] ?? ''), body: res });
    });
    // `on`, not `once`: aborting a stream after its response arrived errors the request again.
    r.on('error', (e) => reject(new ExchangeFailure(failureOf(e, req.signal))));
    r.end(req.body);
  });
}

/** Reads at most MAX_BODY_BYTES of the body, then closes the connection. Bounded by the signal. */
export function readBody(ex: Exchange, signal: AbortSignal): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      signal.removeEventListener('abort', done);
      ex.body.destroy();
      resolve(Buffer.concat(chunks).toString('utf8'));
    };
    if (signal.aborted) return done();
    signal.addEventListener('abort', done, { once: true });
    ex.body.on('data', (c: Buffer) => {
      if (size < MAX_BODY_BYTES) chunks.push(c);
      size += c.length;
      if (size >= MAX_BODY_BYTES) done();
    });
    ex.body.once('end', done);
    ex.body.once('error', done);
  });
}

/** Reads the body and summarises it as an HttpAnswer. */
export async function answerOf(ex: Exchange, signal: AbortSignal): Promise<HttpAnswer> {
  // An event stream may never end: its first bytes are all a summary needs.
  const text = ex.contentType.includes('text/event-stream') ? '' : await readBody(ex, signal);
  ex.body.destroy();
  return summarise(ex, text);
}

export function summarise(ex: Exchange, text: string): HttpAnswer {
  const answer: HttpAnswer = { status: ex.status, contentType: ex.contentType, bodyKind: bodyKindOf(ex.contentType, text), snippet: snippetOf(text) };
  const challenge = ex.headers['www-authenticate'];
  if (challenge) answer.wwwAuthenticate = String(challenge);
  return answer;
}

export function failureOf(e: unknown, signal: AbortSignal): NetworkFailure {
  const err = e as Error & { code?: string };
  if (signal.aborted || err.name === 'AbortError' || err.name === 'TimeoutError') return { code: 'timeout', message: 'no answer within the timeout' };
  const code = err.code ?? '';
  const message = err.message.includes(code) ? err.message : `${code}: ${err.message}`;
  if (code === 'ECONNREFUSED') return { code: 'refused', message };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return { code: 'dns', message };
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET') return { code: 'reset', message };
  if (code.startsWith('ERR_TLS') || code.includes('CERT') || code === 'EPROTO') return { code: 'tls', message };
  return { code: 'other', message };
}

/** Runs `fn` with a signal that aborts after `timeoutMs`; the timer never outlives the call. */
export async function withTimeout<T>(timeoutMs: number, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error('timeout')), timeoutMs);
  try {
    return await fn(controller.signal);
  } finally {
    clearTimeout(timer);
  }
}
