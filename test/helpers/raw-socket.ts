// Raw TCP clients for the hostile tests: sockets that send nothing, half a request, or a body that
// never ends, which no HTTP client library will produce. Every wait is bounded by a deadline.
import net from 'node:net';

export interface RawHttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface RawConnection {
  socket: net.Socket;
  /** Everything received so far, as latin1 (byte-for-byte). */
  received(): string;
  write(data: string | Buffer): void;
  /** Resolves true when the peer closed the connection within timeoutMs, false otherwise. */
  waitClosed(timeoutMs: number): Promise<boolean>;
  /** The first complete HTTP response received, or undefined when none came within timeoutMs. */
  waitResponse(timeoutMs: number): Promise<RawHttpResponse | undefined>;
  destroy(): void;
}

export async function connectRaw(origin: string, opts: { localAddress?: string } = {}): Promise<RawConnection> {
  const { hostname, port } = new URL(origin);
  const socket = net.connect({ host: hostname, port: Number(port), ...(opts.localAddress ? { localAddress: opts.localAddress } : {}) });
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let data = '';
  let closed = false;
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const l of [...listeners]) l();
  };
  socket.on('data', (chunk: Buffer) => {
    data += chunk.toString('latin1');
    notify();
  });
  // A reset (ECONNRESET) counts as closed too: the proxy let go of the socket.
  socket.on('error', () => undefined);
  socket.on('close', () => {
    closed = true;
    notify();
  });
  const until = <T>(check: () => T | undefined, timeoutMs: number): Promise<T | undefined> =>
    new Promise((resolve) => {
      const first = check();
      if (first !== undefined) return resolve(first);
      const timer = setTimeout(() => {
        listeners.delete(listener);
        resolve(undefined);
      }, timeoutMs);
      timer.unref();
      const listener = () => {
        const v = check();
        if (v === undefined) return;
        clearTimeout(timer);
        listeners.delete(listener);
        resolve(v);
      };
      listeners.add(listener);
    });
  return {
    socket,
    received: () => data,
    write: (chunk) => {
      if (!socket.destroyed) socket.write(chunk);
    },
    waitClosed: async (timeoutMs) => (await until(() => (closed ? true : undefined), timeoutMs)) ?? false,
    waitResponse: (timeoutMs) => until(() => parseHttpResponse(data) ?? (closed ? parseHttpResponse(data, true) : undefined), timeoutMs),
    destroy: () => socket.destroy(),
  };
}

/** Resolves as soon as `n` of the connections got a response (or all settled, or the deadline passed). */
export function firstResponses(conns: RawConnection[], n: number, timeoutMs: number): Promise<RawHttpResponse[]> {
  const got: RawHttpResponse[] = [];
  return new Promise((resolve) => {
    let settled = 0;
    const timer = setTimeout(() => resolve([...got]), timeoutMs);
    for (const c of conns) {
      void c.waitResponse(timeoutMs).then((r) => {
        settled++;
        if (r) got.push(r);
        if (got.length >= n || settled === conns.length) {
          clearTimeout(timer);
          resolve([...got]);
        }
      });
    }
  });
}

/**
 * Parses the first HTTP/1.1 response in `raw` when it is complete (Content-Length, chunked, or, with
 * `atEof`, read until close). Pure.
 */
export function parseHttpResponse(raw: string, atEof = false): RawHttpResponse | undefined {
  const headEnd = raw.indexOf('\r\n\r\n');
  if (headEnd < 0) return undefined;
  const [statusLine, ...headerLines] = raw.slice(0, headEnd).split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '');
  if (!m) return undefined;
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const rest = raw.slice(headEnd + 4);
  const status = Number(m[1]);
  const toUtf8 = (latin1: string) => Buffer.from(latin1, 'latin1').toString('utf8');
  if (headers['transfer-encoding']?.toLowerCase() === 'chunked') {
    let body = '';
    let at = 0;
    for (;;) {
      const lineEnd = rest.indexOf('\r\n', at);
      if (lineEnd < 0) return atEof ? { status, headers, body: toUtf8(body) } : undefined;
      const size = parseInt(rest.slice(at, lineEnd), 16);
      if (!Number.isFinite(size)) return undefined;
      if (size === 0) return { status, headers, body: toUtf8(body) };
      if (rest.length < lineEnd + 2 + size + 2) return atEof ? { status, headers, body: toUtf8(body + rest.slice(lineEnd + 2)) } : undefined;
      body += rest.slice(lineEnd + 2, lineEnd + 2 + size);
      at = lineEnd + 2 + size + 2;
    }
  }
  const length = headers['content-length'] === undefined ? undefined : Number(headers['content-length']);
  if (length !== undefined)
    return rest.length >= length ? { status, headers, body: toUtf8(rest.slice(0, length)) } : atEof ? { status, headers, body: toUtf8(rest) } : undefined;
  if (status === 204 || status === 304 || (status >= 100 && status < 200)) return { status, headers, body: '' };
  return atEof ? { status, headers, body: toUtf8(rest) } : undefined;
}

/** The request line and headers of a POST, CRLF-terminated, without its body. */
export function postHead(path: string, host: string, headers: Record<string, string | number>): string {
  const lines = [`POST ${path} HTTP/1.1`, `host: ${host}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  return lines.join('\r\n') + '\r\n\r\n';
}
