// The POSTs of the legacy SSE transport on a lean keep-alive pool: one pre-rendered write per
// request, the answer read by a small HTTP/1.1 parser (response-parser.ts). A proxied call is one
// such POST, and node:http's client spent more CPU on it than the rest of the proxy's work on the
// call (request object, agent bookkeeping, a socket 'free' cycle: ~45 µs against ~10 µs here,
// docs/performance.md). Only POSTs with small bodies and small answers go here; streams (GET) stay
// on node:http.
//
// Reuse follows node:http's agent: the most recently used idle socket first, so the socket the
// server is most likely to close (the oldest) is the one left idle; an idle socket is closed after
// IDLE_MS, below the 5 s keep-alive of Node, uvicorn and most servers, or a second before the
// timeout the server announces (`Keep-Alive: timeout=N`), so that the proxy closes it before the
// server would (a POST written onto a socket the server is closing fails).
import type net from 'node:net';
import { ResponseParser, type ParsedHead, type ResponseHeaders } from './response-parser.js';
import { encodeRequest, hostOf, renderHead } from './request-head.js';
import { connectTo } from './connect.js';
import { BackendTimeoutError } from '../backend-timeout.js';

export interface PostAnswer {
  status: number;
  headers: ResponseHeaders;
  /** The body, at most the bytes `bodyLimit` allowed for this answer. */
  body: string;
  /** The body was longer than `bodyLimit` allowed (the rest was read and dropped). */
  truncated: boolean;
  /** The body's length in bytes, all of it. */
  bodyBytes: number;
}

export interface PostOptions {
  timeoutMs: number;
  /** How many bytes of this answer's body to keep, decided from its head. */
  bodyLimit(head: ParsedHead): number;
}

export interface PostPool {
  post(url: URL, headers: Record<string, string>, body: string, opts: PostOptions): Promise<PostAnswer>;
  /** Idle sockets kept, all origins (for tests and metrics). */
  readonly idleSockets: number;
  destroy(): void;
}

const IDLE_MS = 4_000;
const MAX_IDLE_PER_ORIGIN = 256;

interface Exchange {
  resolve(answer: PostAnswer): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
  opts: PostOptions;
  head?: ParsedHead;
  chunks: Buffer[];
  kept: number;
  total: number;
  limit: number;
}

/** One socket of the pool; its listeners and its parser serve every exchange it carries. */
class PooledSocket {
  exchange: Exchange | undefined;
  /** Until when an idle socket may be reused: IDLE_MS, or less when the server announced less. */
  expiresAt = 0;
  /** The server's `Keep-Alive: timeout=N` (seconds), from its latest answer. */
  private announcedMs: number | undefined;
  dead = false;
  private readonly parser = new ResponseParser({
    head: (head) => {
      const ex = this.exchange!;
      ex.head = head;
      ex.limit = ex.opts.bodyLimit(head);
    },
    body: (chunk) => {
      const ex = this.exchange!;
      ex.total += chunk.length;
      const room = ex.limit - ex.kept;
      if (room <= 0) return;
      const part = chunk.length <= room ? chunk : chunk.subarray(0, room);
      ex.chunks.push(part);
      ex.kept += part.length;
    },
    end: (extra) => this.complete(extra),
  });

  constructor(
    readonly socket: net.Socket,
    /** Its place in the pool: origin and Host. */
    readonly key: string,
    /** The socket's exchange ended: back to the pool when `reusable`, else it is already destroyed. */
    private readonly done: (s: PooledSocket, reusable: boolean) => void,
  ) {
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('error', (e) => this.fail(e));
    socket.on('close', () => this.fail(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })));
    socket.on('end', () => this.onEnd());
  }

  /** How long this socket may idle before the pool closes it. */
  get idleMs(): number {
    // A second below the server's announced timeout, so that the proxy closes first (as node:http's agent).
    return this.announcedMs === undefined ? IDLE_MS : Math.min(IDLE_MS, this.announcedMs - 1000);
  }

  start(exchange: Exchange, request: string | Buffer): void {
    this.exchange = exchange;
    this.parser.reset();
    this.socket.write(request);
  }

  private onData(d: Buffer): void {
    if (!this.exchange) {
      this.destroy(); // bytes nobody asked for: the connection is out of step
      return;
    }
    try {
      this.parser.push(d);
    } catch (e) {
      this.fail(e as Error);
    }
  }

  private onEnd(): void {
    if (!this.exchange) {
      this.destroy();
      return;
    }
    try {
      this.parser.close();
    } catch (e) {
      this.fail(e as Error);
    }
  }

  private complete(extra: boolean): void {
    const ex = this.exchange!;
    const head = ex.head!;
    this.exchange = undefined;
    clearTimeout(ex.timer);
    const body = ex.chunks.length === 1 ? ex.chunks[0]!.toString('utf8') : Buffer.concat(ex.chunks).toString('utf8');
    const hint = /(?:^|[\s,])timeout=(\d+)/i.exec(head.headers['keep-alive'] ?? '');
    this.announcedMs = hint ? Number(hint[1]) * 1000 : undefined;
    const reusable = head.reusable && !extra && !this.socket.readableEnded && this.idleMs > 0;
    if (!reusable) this.destroy();
    this.done(this, reusable);
    ex.resolve({ status: head.status, headers: head.headers, body, truncated: ex.total > ex.kept, bodyBytes: ex.total });
  }

  fail(err: Error): void {
    const ex = this.exchange;
    this.exchange = undefined;
    this.destroy();
    if (ex) {
      clearTimeout(ex.timer);
      this.done(this, false);
      ex.reject(err);
    }
  }

  destroy(): void {
    this.dead = true;
    if (!this.socket.destroyed) this.socket.destroy();
  }
}

export function createPostPool(opts: { keepAliveMs: number }): PostPool {
  const idle = new Map<string, PooledSocket[]>();
  const active = new Set<PooledSocket>();
  let destroyed = false;

  const done = (s: PooledSocket, reusable: boolean) => {
    active.delete(s);
    if (!reusable) return;
    const key = s.key;
    const list = idle.get(key) ?? [];
    if (destroyed || list.length >= MAX_IDLE_PER_ORIGIN) {
      s.destroy();
      return;
    }
    s.expiresAt = Date.now() + s.idleMs;
    list.push(s);
    idle.set(key, list);
  };

  const acquire = (url: URL, hostHeader: string): PooledSocket => {
    // Keyed by origin and Host: a socket's TLS session was made for one server name.
    const key = `${url.origin} ${hostHeader}`;
    const list = idle.get(key);
    const now = Date.now();
    while (list && list.length > 0) {
      const s = list.pop()!;
      if (!s.dead && !s.socket.destroyed && !s.socket.readableEnded && now < s.expiresAt) return s;
      s.destroy();
    }
    const socket = connectTo(url, hostHeader, opts.keepAliveMs);
    return new PooledSocket(socket, key, done);
  };

  // Idle sockets past IDLE_MS are closed in the background too, so a quiet route holds no sockets.
  const sweeper = setInterval(() => {
    const now = Date.now();
    for (const [key, list] of idle) {
      const keep = list.filter((s) => !s.dead && now < s.expiresAt);
      for (const s of list) if (!keep.includes(s)) s.destroy();
      if (keep.length === 0) idle.delete(key);
      else idle.set(key, keep);
    }
  }, IDLE_MS / 2);
  sweeper.unref();

  return {
    post(url, headers, body, postOpts) {
      return new Promise<PostAnswer>((resolve, reject) => {
        if (destroyed) {
          reject(Object.assign(new Error('the backend client is closed'), { code: 'ECONNRESET' }));
          return;
        }
        let request: string | Buffer;
        try {
          request = encodeRequest(`${renderHead('POST', url, headers, Buffer.byteLength(body))}\r\n`, body);
        } catch (e) {
          reject(e as Error);
          return;
        }
        const s = acquire(url, hostOf(url, headers));
        active.add(s);
        const exchange: Exchange = {
          resolve,
          reject,
          timer: setTimeout(() => s.fail(new BackendTimeoutError(`no answer within ${postOpts.timeoutMs} ms`)), postOpts.timeoutMs),
          opts: postOpts,
          chunks: [],
          kept: 0,
          total: 0,
          limit: 0,
        };
        s.start(exchange, request);
      });
    },
    get idleSockets() {
      let n = 0;
      for (const list of idle.values()) n += list.length;
      return n;
    },
    destroy() {
      destroyed = true;
      clearInterval(sweeper);
      for (const list of idle.values()) for (const s of list) s.destroy();
      idle.clear();
      for (const s of active) s.fail(Object.assign(new Error('the backend client is closed'), { code: 'ECONNRESET' }));
      active.clear();
    },
  };
}
