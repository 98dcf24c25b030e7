// An incremental HTTP/1.1 response parser (RFC 9112) for the answers to our own POSTs: the status
// line, the header fields, and a body framed by chunked transfer coding, Content-Length, or the end
// of the connection. Pure: bytes in, events out. It parses only what the proxy asked for, so it
// refuses rather than guesses: a head over MAX_HEAD_BYTES, a malformed status line or chunk size, and
// conflicting Content-Length values are errors (RFC 9112 §6.3: a message with both Transfer-Encoding
// and Content-Length is framed by Transfer-Encoding, and the connection must not be reused).

/** Header fields of the answers, lower-cased names; repeated fields joined with ", " (RFC 9110 §5.3). */
export type ResponseHeaders = Record<string, string>;

export interface ParsedHead {
  status: number;
  headers: ResponseHeaders;
  /** Whether the connection can carry another request after this answer. */
  reusable: boolean;
}

export interface ParserEvents {
  head(head: ParsedHead): void;
  body(chunk: Buffer): void;
  /** The whole answer is in, once; `extra`: bytes came after it (a misbehaving server: never reused). */
  end(extra: boolean): void;
}

export class ResponseParseError extends Error {
  readonly code = 'ERR_BACKEND_BAD_HTTP';
}

/** The head of an answer to a POST is a few hundred bytes; Node's own client stops at 16 KB. */
export const MAX_HEAD_BYTES = 16 * 1024;
const MAX_CHUNK_LINE = 1024;
const CRLF = Buffer.from('\r\n');
const HEAD_END = Buffer.from('\r\n\r\n');
const EMPTY = Buffer.alloc(0);
// eslint-disable-next-line no-control-regex -- control characters are what the reason phrase must not hold
const STATUS_LINE = /^HTTP\/1\.([01]) ([1-9]\d\d)(?: [^\0-\x08\n-\x1f\x7f]*)?(?:\r\n|$)/;
/** A control character in a value (RFC 9110 §5.5): node:http refuses such answers, and such a value must never be relayed. */
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const CONTROL = /[\0-\x08\n-\x1f\x7f]/;
/** A field name: a token (RFC 9110 §5.6.2), so no whitespace and no separators. */
const FIELD_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

type State = 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'chunk-data-end' | 'trailers' | 'close' | 'done';

export class ResponseParser {
  private state: State = 'head';
  private pending: Buffer = EMPTY;
  private remaining = 0;
  private ended = false;

  constructor(private readonly events: ParserEvents) {}

  /** Ready for the next answer on the same connection (a parser lives as long as its socket). */
  reset(): void {
    this.state = 'head';
    this.pending = EMPTY;
    this.remaining = 0;
    this.ended = false;
  }

  /** True once an answer's body is framed by the end of the connection (no length, not chunked). */
  get readsToClose(): boolean {
    return this.state === 'close';
  }

  /** Feeds bytes from the socket; throws ResponseParseError on a malformed answer. */
  push(data: Buffer): void {
    if (this.ended) return;
    let buf = this.pending.length > 0 ? Buffer.concat([this.pending, data]) : data;
    this.pending = EMPTY;
    while (buf.length > 0 && this.state !== 'done') {
      const used = this.step(buf);
      if (used < 0) {
        this.pending = buf; // an incomplete line: wait for more bytes
        return;
      }
      buf = buf.subarray(used);
    }
    if (this.state === 'done') {
      this.ended = true;
      this.events.end(buf.length > 0);
    }
  }

  /** The connection ended: completes a body read to the close, fails any other unfinished answer. */
  close(): void {
    if (this.ended) return;
    if (this.state === 'close') {
      this.state = 'done';
      this.ended = true;
      this.events.end(false);
      return;
    }
    throw new ResponseParseError('the backend closed the connection before its answer was complete');
  }

  /** Consumes from `buf`; returns the bytes used, or -1 when it needs more. */
  private step(buf: Buffer): number {
    switch (this.state) {
      case 'head':
        return this.readHead(buf);
      case 'length':
      case 'chunk-data': {
        const n = Math.min(this.remaining, buf.length);
        this.events.body(buf.subarray(0, n));
        this.remaining -= n;
        if (this.remaining === 0) this.state = this.state === 'length' ? 'done' : 'chunk-data-end';
        return n;
      }
      case 'chunk-data-end': {
        if (buf.length < 2) return -1;
        if (buf[0] !== 0x0d || buf[1] !== 0x0a) throw new ResponseParseError('a chunk of the answer is not followed by CRLF');
        this.state = 'chunk-size';
        return 2;
      }
      case 'chunk-size':
        return this.readChunkSize(buf);
      case 'trailers':
        return this.readTrailer(buf);
      case 'close':
        this.events.body(buf);
        return buf.length;
      default:
        return buf.length;
    }
  }

  private readHead(buf: Buffer): number {
    const end = buf.indexOf(HEAD_END);
    if (end < 0) {
      if (buf.length > MAX_HEAD_BYTES) throw new ResponseParseError(`the answer's head is over ${MAX_HEAD_BYTES} bytes`);
      return -1;
    }
    if (end > MAX_HEAD_BYTES) throw new ResponseParseError(`the answer's head is over ${MAX_HEAD_BYTES} bytes`);
    // One string for the head, read line by line with indexOf: no array of lines, one slice per name and value.
    const text = buf.toString('latin1', 0, end);
    const m = STATUS_LINE.exec(text);
    if (!m) throw new ResponseParseError(`not an HTTP/1.x status line: ${JSON.stringify(text.slice(0, Math.min(80, text.indexOf('\r\n') >>> 0)))}`);
    const status = Number(m[2]);
    // No prototype: a header named `constructor` or `__proto__` is only a header.
    const headers: ResponseHeaders = Object.create(null) as ResponseHeaders;
    let at = text.indexOf('\r\n');
    while (at >= 0) {
      const start = at + 2;
      at = text.indexOf('\r\n', start);
      const lineEnd = at < 0 ? text.length : at;
      const colon = text.indexOf(':', start);
      // RFC 9112 §5.1: no whitespace between the field name and the colon; obsolete line folding is refused.
      const rawName = colon > start && colon < lineEnd ? text.slice(start, colon) : '';
      if (!FIELD_NAME.test(rawName)) throw new ResponseParseError(`a malformed header line in the answer`);
      const name = rawName.toLowerCase();
      const value = text.slice(colon + 1, lineEnd).trim();
      if (CONTROL.test(value)) throw new ResponseParseError('a control character in a header of the answer');
      headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
    }
    const used = end + HEAD_END.length;
    // 1xx answers (100 Continue, 103 Early Hints) precede the real one (RFC 9110 §15.2); 101 cannot happen
    // (we never ask to upgrade) and is refused.
    if (status < 200) {
      if (status === 101) throw new ResponseParseError('the backend switched protocols on a POST');
      return used;
    }
    const connection = (headers.connection ?? '').toLowerCase();
    let reusable = m[1] === '1' ? !/\bclose\b/.test(connection) : /\bkeep-alive\b/.test(connection);
    const te = headers['transfer-encoding'];
    const cl = headers['content-length'];
    if (status === 204 || status === 304) {
      this.state = 'done';
    } else if (te !== undefined) {
      if (!/(^|,)\s*chunked\s*$/i.test(te)) {
        this.state = 'close'; // a transfer coding we do not decode ends at the close (RFC 9112 §6.3)
        reusable = false;
      } else this.state = 'chunk-size';
      if (cl !== undefined) reusable = false;
    } else if (cl !== undefined) {
      const lengths = new Set(cl.split(',').map((s) => s.trim()));
      const only = [...lengths][0]!;
      if (lengths.size !== 1 || !/^\d{1,15}$/.test(only)) throw new ResponseParseError(`an invalid Content-Length in the answer: ${cl.slice(0, 40)}`);
      this.remaining = Number(only);
      this.state = this.remaining === 0 ? 'done' : 'length';
    } else {
      this.state = 'close';
      reusable = false;
    }
    this.events.head({ status, headers, reusable });
    return used;
  }

  private readChunkSize(buf: Buffer): number {
    const end = buf.indexOf(CRLF);
    if (end < 0) {
      if (buf.length > MAX_CHUNK_LINE) throw new ResponseParseError('a chunk-size line of the answer is too long');
      return -1;
    }
    const line = buf.toString('latin1', 0, end);
    const m = /^([0-9a-fA-F]{1,12})[ \t]*(?:;.*)?$/.exec(line);
    if (!m) throw new ResponseParseError(`an invalid chunk size in the answer: ${JSON.stringify(line.slice(0, 40))}`);
    this.remaining = parseInt(m[1]!, 16);
    this.state = this.remaining === 0 ? 'trailers' : 'chunk-data';
    return end + 2;
  }

  /** Trailer fields are read and ignored, up to the empty line that ends the answer. */
  private readTrailer(buf: Buffer): number {
    const end = buf.indexOf(CRLF);
    if (end < 0) {
      if (buf.length > MAX_HEAD_BYTES) throw new ResponseParseError('the trailers of the answer are too long');
      return -1;
    }
    if (end === 0) this.state = 'done';
    return end + 2;
  }
}
