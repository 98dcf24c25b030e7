// An SSE stream read through node:http, which a test can stop reading (pause: the socket is no longer
// read once the parser's buffer is full, so the server's writes pile up in the kernel and then in the
// server) and resume; and plain node:http requests from a chosen local address (fetch cannot pick one).
import http from 'node:http';

export interface StreamEvent {
  id?: string;
  event: string;
  data: string;
}

export interface HttpStream {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Every complete event read so far (comments skipped). */
  events: StreamEvent[];
  pause(): void;
  resume(): void;
  /** Resolves when the response ended or broke; 'open' if it did not within timeoutMs. */
  waitEnded(timeoutMs: number): Promise<'ended' | 'open'>;
  /** Resolves when `check()` holds, re-checked as data arrives; rejects after timeoutMs. */
  waitUntil(check: () => boolean, timeoutMs?: number): Promise<void>;
  /** The first event (from the start) matching `match`, within timeoutMs. */
  waitForEvent(match: (e: StreamEvent) => boolean, timeoutMs?: number): Promise<StreamEvent>;
  close(): void;
}

export function openStream(url: string, headers: Record<string, string> = {}, opts: { localAddress?: string } = {}): Promise<HttpStream> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      url,
      { headers: { accept: 'text/event-stream', ...headers }, agent: false, ...(opts.localAddress ? { localAddress: opts.localAddress } : {}) },
      (res) => {
        const events: StreamEvent[] = [];
        const listeners = new Set<() => void>();
        const notify = () => {
          for (const l of [...listeners]) l();
        };
        let ended = false;
        let buffer = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const lines = block.split('\n').filter((l) => !l.startsWith(':'));
            if (lines.length === 0) continue;
            const field = (name: string) =>
              lines
                .find((l) => l.startsWith(`${name}:`))
                ?.slice(name.length + 1)
                .replace(/^ /, '');
            const id = field('id');
            events.push({ ...(id === undefined ? {} : { id }), event: field('event') ?? 'message', data: field('data') ?? '' });
          }
          notify();
        });
        const finish = () => {
          ended = true;
          notify();
        };
        res.on('end', finish);
        res.on('close', finish);
        res.on('error', finish);
        const until = <T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> =>
          new Promise((ok, fail) => {
            const first = check();
            if (first !== undefined) return ok(first);
            const timer = setTimeout(() => {
              listeners.delete(l);
              fail(new Error(`timed out waiting for ${what}`));
            }, timeoutMs);
            timer.unref();
            const l = () => {
              const v = check();
              if (v === undefined) return;
              clearTimeout(timer);
              listeners.delete(l);
              ok(v);
            };
            listeners.add(l);
          });
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          events,
          pause: () => res.pause(),
          resume: () => res.resume(),
          waitEnded: (timeoutMs) => until(() => (ended ? ('ended' as const) : undefined), timeoutMs, 'the end of the stream').catch(() => 'open' as const),
          waitUntil: (check, timeoutMs = 10_000) =>
            until(() => (check() ? true : ended ? false : undefined), timeoutMs, 'a condition on the stream').then((ok) => {
              if (!ok) throw new Error('the stream ended before the awaited condition');
            }),
          waitForEvent: (match, timeoutMs = 10_000) =>
            until(() => events.find(match) ?? (ended ? null : undefined), timeoutMs, 'an SSE event').then((e) => {
              if (!e) throw new Error('the stream ended before the awaited event');
              return e;
            }),
          close: () => req.destroy(),
        });
      },
    );
    req.on('error', reject);
  });
}

export interface PlainResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request with node:http (no pooling), optionally from `localAddress`, bounded by timeoutMs. */
export function request(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string; localAddress?: string; timeoutMs?: number } = {},
): Promise<PlainResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: opts.method ?? 'GET', headers: opts.headers ?? {}, agent: false, ...(opts.localAddress ? { localAddress: opts.localAddress } : {}) },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.setTimeout(opts.timeoutMs ?? 15_000, () => req.destroy(new Error(`no answer from ${url} within ${opts.timeoutMs ?? 15_000} ms`)));
    req.on('error', reject);
    req.end(opts.body);
  });
}
