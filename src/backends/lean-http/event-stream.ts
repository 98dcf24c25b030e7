// The long-lived GET of the legacy SSE transport on a socket of its own, read by the same HTTP/1.1
// answer parser as the POSTs (response-parser.ts): the head once, then the body's bytes as they come,
// decoded as UTF-8 across chunk boundaries. node:http kept a ClientRequest, an IncomingMessage with
// its stream states, a parser and a URL per backend stream, about 3 KB of heap per idle session, and
// passed every event through a Readable (docs/performance.md).
import net from 'node:net';
import tls from 'node:tls';
import { StringDecoder } from 'node:string_decoder';
import { ResponseParser, type ParsedHead } from './response-parser.js';
import { renderHead } from './post-pool.js';

export interface EventStreamHandlers {
  /** The answer's head: the stream goes on only if the caller keeps it (else it destroys it). */
  head(head: ParsedHead): void;
  data(text: string): void;
  /** The body ended (the server closed the stream), or the connection broke (`err`). Once. */
  end(err?: Error): void;
}

export interface EventStream {
  pause(): void;
  resume(): void;
  destroy(): void;
}

export function openEventStream(url: URL, headers: Record<string, string>, keepAliveMs: number, h: EventStreamHandlers): EventStream {
  const request = `${renderHead('GET', url, headers, undefined)}\r\n`;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
  const socket =
    url.protocol === 'https:'
      ? tls.connect({ host, port, servername: net.isIP(host) ? undefined : host, ALPNProtocols: ['http/1.1'] })
      : net.connect({ host, port });
  socket.setNoDelay(true);
  // TCP keep-alive probes: a backend host that vanished (no FIN, no RST) is noticed.
  socket.setKeepAlive(true, keepAliveMs);
  const decoder = new StringDecoder('utf8');
  let ended = false;
  const finish = (err?: Error) => {
    if (ended) return;
    ended = true;
    socket.destroy();
    h.end(err);
  };
  const parser = new ResponseParser({
    head: (head) => h.head(head),
    body: (chunk) => {
      const text = decoder.write(chunk);
      if (text !== '') h.data(text);
    },
    end: () => finish(),
  });
  socket.on('data', (d: Buffer) => {
    try {
      parser.push(d);
    } catch (e) {
      finish(e as Error);
    }
  });
  socket.on('end', () => {
    try {
      parser.close();
    } catch (e) {
      finish(e as Error);
    }
  });
  socket.on('error', (e) => finish(e));
  socket.on('close', () => finish(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })));
  socket.write(request);
  return {
    pause: () => socket.pause(),
    resume: () => socket.resume(),
    destroy: () => {
      ended = true;
      socket.destroy();
    },
  };
}
