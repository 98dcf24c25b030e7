// The long-lived GET of the legacy SSE transport on a socket of its own, read by the same HTTP/1.1
// answer parser as the POSTs (response-parser.ts): the head once, then the body's bytes as they come,
// decoded as UTF-8 across chunk boundaries. node:http kept a ClientRequest, an IncomingMessage with
// its stream states, a parser and a URL per backend stream, about 3 KB of heap per idle session, and
// passed every event through a Readable (docs/performance.md).
import type net from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import { ResponseParser, type ParsedHead, type ParserEvents } from './response-parser.js';
import { encodeRequest, hostOf, renderHead } from './request-head.js';
import { connectTo } from './connect.js';

export interface EventStreamHandlers {
  /** The answer's head: the stream goes on only if the caller keeps it (else it destroys it). */
  head(head: ParsedHead): void;
  data(text: string): void;
  /** The body ended (the server closed the stream), or the connection broke (`err`). Once. */
  end(err?: Error): void;
}

export interface EventStream {
  /** Stops reading the socket; what the current read already holds is still delivered (one read, ≤ 64 KB). */
  pause(): void;
  resume(): void;
  destroy(): void;
}

export function openEventStream(url: URL, headers: Record<string, string>, keepAliveMs: number, h: EventStreamHandlers): EventStream {
  const request = encodeRequest(`${renderHead('GET', url, headers, undefined)}\r\n`, '');
  const socket = connectTo(url, hostOf(url, headers), keepAliveMs);
  const stream = new SocketEventStream(socket, h);
  socket.write(request);
  return stream;
}

/**
 * One stream; a class rather than closures because every idle session holds one (its methods are
 * shared, its state is a few fields). It is the parser's listener too.
 */
class SocketEventStream implements EventStream, ParserEvents {
  private readonly decoder = new StringDecoder('utf8');
  private readonly parser: ResponseParser = new ResponseParser(this);
  private ended = false;

  constructor(
    private readonly socket: net.Socket,
    private readonly h: EventStreamHandlers,
  ) {
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('end', () => this.onEnd());
    socket.on('error', (e) => this.finish(e));
    socket.on('close', () => this.finish(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })));
  }

  // After destroy() (or a failure), the rest of the read that was being parsed is dropped.
  head(head: ParsedHead): void {
    if (!this.ended) this.h.head(head);
  }

  body(chunk: Buffer): void {
    if (this.ended) return;
    const text = this.decoder.write(chunk);
    if (text !== '') this.h.data(text);
  }

  end(): void {
    this.finish();
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  destroy(): void {
    this.ended = true;
    this.socket.destroy();
  }

  private onData(d: Buffer): void {
    try {
      this.parser.push(d);
    } catch (e) {
      this.finish(e as Error);
    }
  }

  private onEnd(): void {
    try {
      this.parser.close();
    } catch (e) {
      this.finish(e as Error);
    }
  }

  private finish(err?: Error): void {
    if (this.ended) return;
    this.ended = true;
    this.socket.destroy();
    this.h.end(err);
  }
}
